/// A view that cannot be written: what failed, on which file, and why.
public struct ViewError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A file of the view folder could not be written or read.
        public static let io = Code("io")
        /// Another process is writing the view folder.
        public static let busy = Code("busy")
        /// The view's own bookkeeping (`data/images.json`) is not what this build writes.
        public static let unreadable = Code("unreadable")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var path: String

    public init(_ code: Code, _ message: String, path: String) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { "'\(path)': \(message)" }
}
