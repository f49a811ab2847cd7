/// One validation problem.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }

    /// `file:line:col: error: message`, as compilers write it.
    public var description: String { "\(location): error: \(message)" }
}
