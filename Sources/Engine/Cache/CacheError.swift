import Foundation

/// A failure of the cache, the object store or the run machinery, naming what failed and on what.
public struct CacheError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let io = Code("io")
        public static let database = Code("database")
        public static let corruptObject = Code("corrupt_object")
        public static let unknownItem = Code("unknown_item")
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ message: String, code: Code, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
    }
}
