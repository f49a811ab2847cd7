import Foundation
import PluginAPI

/// A pipeline's stage graph as Graphviz `dot` or Mermaid text: one node per stage (its plugin,
/// and its `foreach` glob), an edge per `needs` entry; gather stages are drawn differently.
public struct PipelineGraph: Sendable {
    public var pipeline: Pipeline
    public var registry: PluginRegistry

    public init(pipeline: Pipeline, registry: PluginRegistry) {
        self.pipeline = pipeline
        self.registry = registry
    }

    public func dot() -> String {
        var lines = ["digraph \(quoted(pipeline.name)) {", "  rankdir=LR;", "  node [shape=box];"]
        for stage in pipeline.stages {
            let shape = isGather(stage) ? ", shape=box3d" : ""
            lines.append("  \(quoted(stage.name)) [label=\(quoted(label(stage, separator: "\n")))\(shape)];")
        }
        for stage in pipeline.stages {
            for need in stage.needs { lines.append("  \(quoted(need)) -> \(quoted(stage.name));") }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    public func mermaid() -> String {
        var lines = ["flowchart LR"]
        let ids = Dictionary(pipeline.stages.enumerated().map { ($1.name, "s\($0)") }, uniquingKeysWith: { a, _ in a })
        for stage in pipeline.stages {
            let text = label(stage, separator: "<br/>").replacingOccurrences(of: "\"", with: "#quot;")
            let id = ids[stage.name] ?? stage.name
            lines.append(isGather(stage) ? "  \(id)[[\"\(text)\"]]" : "  \(id)[\"\(text)\"]")
        }
        for stage in pipeline.stages {
            for need in stage.needs { lines.append("  \(ids[need] ?? need) --> \(ids[stage.name] ?? stage.name)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func isGather(_ stage: StageSpec) -> Bool { registry.mode(of: stage) == .gather }

    private func label(_ stage: StageSpec, separator: String) -> String {
        var parts = [stage.name, "uses: \(stage.uses)" + (isGather(stage) ? " (gather)" : "")]
        if let foreach = stage.foreach { parts.append("foreach: \(foreach)") }
        return parts.joined(separator: separator)
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
