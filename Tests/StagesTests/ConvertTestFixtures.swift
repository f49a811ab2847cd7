import Foundation
import JSON
import PluginAPI
import Stages
import TestSupport

/// Builds `detections.json` files (as `detect` writes them) and runs a stage on them.
struct StageFixture {
    let directory: TemporaryDirectory
    var upstream: URL { directory.url.appendingPathComponent("upstream") }
    var output: URL { directory.url.appendingPathComponent("out") }

    init() throws {
        directory = try TemporaryDirectory(prefix: "lightly-stage")
        try FileManager.default.createDirectory(at: upstream, withIntermediateDirectories: true)
    }

    func writeUpstream(_ name: String, _ json: JSONValue) throws {
        try json.canonicalData().write(to: upstream.appendingPathComponent(name))
    }

    /// Runs `stage` on item `key` with its declared defaults overridden by `parameters`.
    func run(_ stage: any Stage, key: String, parameters: [String: JSONValue] = [:]) async throws {
        var values: [String: JSONValue] = [:]
        for spec in stage.descriptor.parameters { values[spec.name] = spec.defaultValue }
        values.merge(parameters) { $1 }
        let context = try TestStageContext(
            parameters: values, outputDirectory: output, pipelineDirectory: directory.url,
            checkpointDirectory: directory.url.appendingPathComponent("checkpoints"))
        try await stage.run(StageItem(key: key, sources: [], inputs: ["upstream": upstream]), context: context)
    }

    /// Paths of the files written under `out/`, sorted.
    func outputFiles() throws -> [String] {
        let base = output.path + "/"
        let enumerator = FileManager.default.enumerator(atPath: output.path)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        return files.sorted()
    }

    func outputJSON(_ path: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: output.appendingPathComponent(path)))
    }
}

/// Deterministic detections in torchvision's shape: float32 values, 17 keypoints per person.
enum DetectionsFactory {
    struct Generator {
        var state: UInt64
        mutating func next(_ range: ClosedRange<Double>) -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let unit = Double(state >> 11) / Double(1 << 53)
            // float32 values, as the model's tensors hold them
            return Double(Float(range.lowerBound + unit * (range.upperBound - range.lowerBound)))
        }
    }

    static func frame(index: Int, detections: Int, generator: inout Generator) -> JSONValue {
        var boxes: [JSONValue] = [], labels: [JSONValue] = [], scores: [JSONValue] = []
        var keypoints: [JSONValue] = [], keypointScores: [JSONValue] = []
        for _ in 0..<detections {
            let x1 = generator.next(0...900), y1 = generator.next(0...500)
            boxes.append(.array([.double(x1), .double(y1), .double(x1 + generator.next(1...60)), .double(y1 + generator.next(1...40))]))
            labels.append(.int(1))
            scores.append(.double(generator.next(0.05...1)))
            keypoints.append(.array((0..<17).map { _ in
                .array([.double(generator.next(-5...960)), .double(generator.next(-5...540)), .double(1)])
            }))
            keypointScores.append(.array((0..<17).map { _ in .double(generator.next(-12...25)) }))
        }
        return .object([
            "index": .int(index), "boxes": .array(boxes), "labels": .array(labels), "scores": .array(scores),
            "keypoints": .array(keypoints), "keypoints_scores": .array(keypointScores),
        ])
    }

    static func detections(key: String, frameCount: Int, frames: [JSONValue]) -> JSONValue {
        .object(["file": .string(key), "frame_count": .int(frameCount), "width": .int(960), "height": .int(540),
                 "frames": .array(frames)])
    }
}
