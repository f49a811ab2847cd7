import Engine
import Foundation
import PluginAPI
import TestSupport

/// A stage that only declares itself: validation needs descriptors, not behaviour.
struct DeclaredStage: Stage {
    let descriptor: PluginDescriptor

    func run(_ item: StageItem, context: any StageContext) async throws {}
}

/// A pipeline folder with a few source files, a model file, and the plugins the tests use.
struct PipelineFixture {
    let directory: TemporaryDirectory
    let registry: PluginRegistry

    static let builtins: [any Stage] = [
        DeclaredStage(descriptor: PluginDescriptor(
            id: "decode", version: "1", summary: "Decode videos.", mode: .map,
            parameters: [ParameterSpec("every", .integer, default: .int(1), doc: "Keep one frame in N.")])),
        DeclaredStage(descriptor: PluginDescriptor(
            id: "detect", version: "1", summary: "Detect people.", mode: .map,
            parameters: [
                ParameterSpec("model", .file, doc: "The TorchScript model."),
                ParameterSpec("batch_size", .integer, default: .int(1), doc: "Frames per batch."),
                ParameterSpec("threshold", .number, default: .double(0.5), doc: "Score threshold."),
                ParameterSpec("device", .oneOf(["cpu", "cuda"]), default: .string("cpu"), doc: "Where to run."),
                ParameterSpec("checkpoint_every", .duration, default: .string("30s"), doc: "Checkpoint period."),
                ParameterSpec("classes", .list(.integer), default: .array([]), doc: "Classes to keep."),
            ])),
        DeclaredStage(descriptor: PluginDescriptor(
            id: "convert", version: "1", summary: "Convert predictions.", mode: .map,
            parameters: [ParameterSpec("task", .string, doc: "The task name.")])),
        DeclaredStage(descriptor: PluginDescriptor(
            id: "probe", version: "1", summary: "Takes anything.", mode: .map,
            parameters: [ParameterSpec("values", .any, default: .null, doc: "Anything.")])),
        DeclaredStage(descriptor: PluginDescriptor(
            id: "upload", version: "1", summary: "Upload.", mode: .gather, kind: .effect,
            parameters: [
                ParameterSpec("input", .url, default: .string("file://datasource/input"), doc: "Input datasource."),
                ParameterSpec("settings", .object, default: .object([:]), doc: "Settings."),
            ])),
    ]

    init(files: [String] = ["data/a.mp4", "data/b.mp4", "models/k.pt"]) throws {
        directory = try TemporaryDirectory(prefix: "orchestrate-pipeline")
        registry = try PluginRegistry(builtins: Self.builtins, pluginsDirectory: directory.url.appendingPathComponent("plugins"))
        for file in files { try write("x", to: file) }
    }

    var url: URL { directory.url }

    func write(_ text: String, to relativePath: String) throws {
        let target = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    /// Writes `yaml` as `pipeline.yaml` and loads it.
    func load(_ yaml: String) throws -> Pipeline {
        try write(yaml, to: "pipeline.yaml")
        return try PipelineLoader(registry: registry).load(pipelineURL)
    }

    var pipelineURL: URL { url.appendingPathComponent("pipeline.yaml") }

    /// The diagnostics of an invalid pipeline, with the file's path replaced by `P`.
    func problems(_ yaml: String) throws -> [String] {
        do {
            _ = try load(yaml)
            return []
        } catch let error as PipelineError {
            return error.diagnostics.map { $0.description.replacingOccurrences(of: pipelineURL.path, with: "P") }
        }
    }

    func remove() { directory.remove() }
}
