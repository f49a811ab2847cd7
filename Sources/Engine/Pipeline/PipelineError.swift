/// An invalid pipeline or `plugin.yaml`: every problem found, in file order.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One `file:line:col: error: message` line per problem.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
