/// A problem with a Lightly datasource: a file that cannot be read, parsed or trusted.
///
/// `file` is the path relative to the datasource root (the folder holding `.lightly/`);
/// `jsonPath` points inside the file, as in `predictions[2].score`.
public struct LightlyError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A file the format requires is absent.
        public static let missingFile = Code("missing_file")
        /// The file is not valid JSON or lacks a required field.
        public static let invalidJSON = Code("invalid_json")
        /// The JSON is well formed but breaks a rule of the format.
        public static let invalidContent = Code("invalid_content")
        /// A frame name does not follow the naming rule or names no known frame.
        public static let invalidFrameName = Code("invalid_frame_name")
        /// Reading or writing the datasource failed.
        public static let io = Code("io")
    }

    public var code: Code
    public var message: String
    public var file: String?
    public var jsonPath: String?
    /// The underlying error, when there is one (an I/O or decoding error).
    public var cause: (any Error & Sendable)?

    public init(
        _ message: String, code: Code, file: String? = nil, jsonPath: String? = nil,
        cause: (any Error & Sendable)? = nil
    ) {
        self.message = message
        self.code = code
        self.file = file
        self.jsonPath = jsonPath
        self.cause = cause
    }

    /// `file: json.path: message`, omitting the parts that are unknown.
    public var description: String {
        [file, jsonPath.flatMap { $0.isEmpty ? nil : $0 }, message].compactMap { $0 }.joined(separator: ": ")
    }

    public static func == (lhs: LightlyError, rhs: LightlyError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.file == rhs.file && lhs.jsonPath == rhs.jsonPath
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(file)
        hasher.combine(jsonPath)
    }
}
