/// A report that could not be made: bad data, an unreadable `report.json`, or a failed write.
public struct ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The data contradict themselves (lengths, dimensions, NaN).
        public static let invalidData = Code("invalid_data")
        /// `report.json` is missing or is not a report.
        public static let unreadable = Code("unreadable")
        /// cairo or the file system failed while writing an output.
        public static let writeFailed = Code("write_failed")
    }

    public var code: Code
    /// Names the file and the problem.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
