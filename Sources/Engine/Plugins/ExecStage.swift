import Foundation
import PluginAPI

/// The built-in `exec` plugin: runs `with: {argv: [...]}` per item in the pipeline's
/// directory, no shell unless the argv names one (design §3). Owner: engine-core.
public struct ExecStage: Stage {
    public init() {}

    public var descriptor: PluginDescriptor {
        PluginDescriptor(
            id: "exec", version: "1", summary: "Run a command per item; files written under ${out} are its outputs.",
            mode: .map,
            parameters: [
                ParameterSpec("argv", .list(.string), doc: "The command and its arguments, interpolated per item."),
                ParameterSpec("gather", .boolean, default: .bool(false), doc: "One item over all upstream items."),
            ]
        )
    }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        throw StageError("exec is not implemented yet")
    }
}
