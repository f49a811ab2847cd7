/// A failure of one item. The engine records it against the item; transient failures
/// are retried with back-off, the others are final until the inputs change.
public struct StageError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let failed = Code("failed")
        public static let invalidParameter = Code("invalid_parameter")
        public static let invalidInput = Code("invalid_input")
        public static let missingInput = Code("missing_input")
        public static let transient = Code("transient")
        public static let timeout = Code("timeout")
    }

    public var code: Code
    public var message: String
    /// Transient failures (network, throttling, exit 75) are retried.
    public var isTransient: Bool

    public init(_ message: String, code: Code = .failed, isTransient: Bool = false) {
        self.message = message
        self.code = code
        self.isTransient = isTransient || code == .transient
    }

    public static func transient(_ message: String) -> StageError {
        StageError(message, code: .transient, isTransient: true)
    }

    public var description: String { message }
}
