import Foundation
import Inference
import TestSupport

/// Models, frames and the eager torchvision reference, made once per test process by
/// `Fixtures/make_reference.py` with Debian's python3-torch (a tiny random Keypoint R-CNN, seed 0).
struct ReferenceFixture: Sendable {
    static let threads = 2
    /// Made once per process; tests await it (blocking on a lazy static would starve the cooperative pool).
    static let shared = Task { try await ReferenceFixture() }

    struct FrameFile: Decodable {
        var file: String
        var height: Int
        var width: Int
    }

    /// One frame of the Python reference (torchvision's output, `tolist()`ed).
    struct Reference: Decodable {
        var boxes: [[Float]]
        var labels: [Int]
        var scores: [Float]
        var keypoints: [[[Float]]]
        var keypoints_scores: [[Float]]
        var embeddings: [[Float]]
        var frame_embedding: [Float]
    }

    let directory: URL
    let frames: [FrameTensor]
    let references: [Reference]

    var model: URL { directory.appendingPathComponent("model.pt") }
    /// The same model as ONNX, for OpenVINO.
    var onnxModel: URL { directory.appendingPathComponent("model.onnx") }
    func stub(_ name: String, format: String = "pt") -> URL { directory.appendingPathComponent("\(name).\(format)") }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    private init() async throws {
        // Not removed at exit: the process ends with the tests and the system cleans its temp folder.
        let directory = try TemporaryDirectory(prefix: "inference-tests").url
        self.directory = directory
        let root = Self.repositoryRoot
        try await DebianPython.run([
            root.appendingPathComponent("Tests/InferenceTests/Fixtures/make_reference.py").path,
            root.appendingPathComponent("examples/export_keypoint_rcnn.py").path,
            directory.path, String(Self.threads),
        ])
        let listing = try JSONDecoder().decode(
            [FrameFile].self, from: Data(contentsOf: directory.appendingPathComponent("frames.json")))
        frames = try listing.enumerated().map { index, entry in
            let data = try Data(contentsOf: directory.appendingPathComponent(entry.file))
            let pixels = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return FrameTensor(index: index, pixels: pixels, height: entry.height, width: entry.width)
        }
        references = try JSONDecoder().decode(
            [Reference].self, from: Data(contentsOf: directory.appendingPathComponent("reference.json")))
    }
}
