import ArgumentParser
import Engine

struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a pipeline's stage graph.",
        discussion: "Graphviz: 'orchestrate graph P.yaml | dot -Tsvg > graph.svg'."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, mermaid
    }

    @OptionGroup var options: PipelineOptions

    @Option(help: "The graph language.")
    var format: Format = .dot

    func run() async throws {
        let (pipeline, registry) = try options.load()
        let graph = PipelineGraph(pipeline: pipeline, registry: registry)
        print(format == .dot ? graph.dot() : graph.mermaid(), terminator: "")
    }
}
