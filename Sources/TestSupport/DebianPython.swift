import Foundation

/// Debian's interpreter (`/usr/bin/python3`, which has python3-torch and python3-torchvision),
/// for fixtures made by the package's Python scripts.
public enum DebianPython {
    public static let executable = URL(fileURLWithPath: "/usr/bin/python3")

    /// Runs the interpreter with `arguments` and returns its stdout.
    /// - Throws: ``TestSupportError`` with its stderr when it exits non-zero.
    @discardableResult
    public static func run(_ arguments: [String]) async throws -> Data {
        try await ChildProcess.checked(executable.path, arguments).stdout
    }

    /// Exports a tiny random-weight Keypoint R-CNN with `examples/export_keypoint_rcnn.py`
    /// (`--random-init --tiny`, with embeddings) to `output`; `minSize` overrides the tiny
    /// input size (128). Costs ~20 s of CPU: share one per process.
    public static func exportTinyKeypointModel(to output: URL, seed: Int = 0, minSize: Int? = nil) async throws {
        try await run([
            MotoServer.packageRoot.appendingPathComponent("examples/export_keypoint_rcnn.py").path,
            "--random-init", "--tiny", "--seed", String(seed), "--output", output.path,
        ] + (minSize.map { ["--min-size", String($0)] } ?? []))
    }

    /// Exports the small random-weight crop embedder of `examples/export_crop_embedder.py`
    /// (`forward([N, 3, inputSize, inputSize]) -> [N, dimension]`) to `output`; with `reference`,
    /// also writes 5 random crops and the model's output for them there (`crops.f32`,
    /// `embeddings.f32`). Takes a few seconds.
    public static func exportCropEmbedder(
        to output: URL, dimension: Int = 16, inputSize: Int = 32, seed: Int = 0, reference: URL? = nil
    ) async throws {
        try await run([
            MotoServer.packageRoot.appendingPathComponent("examples/export_crop_embedder.py").path,
            "--output", output.path, "--dimension", String(dimension), "--input-size", String(inputSize),
            "--seed", String(seed),
        ] + (reference.map { ["--reference", $0.path] } ?? []))
    }
}
