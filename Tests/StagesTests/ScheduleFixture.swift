import Foundation
import JSON
import Lightly
import PluginAPI
import Stages
import TestSupport

/// A local input datasource with generated videos and a Lightly datasource with synthetic
/// keypoint predictions (varying counts and scores) and `video_name` metadata, written with
/// Lightly's writer; and a runner for the `schedule` stage over them.
struct ScheduleFixture {
    static let task = "pose"
    let directory: TemporaryDirectory
    var input: URL { directory.url.appendingPathComponent("input") }
    var lightly: URL { directory.url.appendingPathComponent("lightly") }
    /// Video key → frame count.
    let videos: [String: Int]
    /// Frame name → (object count, mean detection score).
    private(set) var frameStats: [String: (objects: Int, meanScore: Double)] = [:]

    /// - Parameter skipPredictions: frame names left without a prediction file.
    init(videos: [String: Int], width: Int = 160, height: Int = 96, skipPredictions: Set<String> = []) async throws {
        directory = try TemporaryDirectory(prefix: "schedule-stage")
        self.videos = videos
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for (name, frames) in videos {
            try await FFmpegCLI.run([
                "-f", "lavfi", "-i", "testsrc=size=\(width)x\(height):rate=25", "-frames:v", String(frames),
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "12", input.appendingPathComponent(name).path,
            ])
        }
        let writer = LightlyTreeWriter(root: lightly)
        try writer.writeTasks([Self.task])
        try writer.writeSchema(PredictionTaskSchema(taskType: .keypointDetection, categories: [.cocoPerson]), task: Self.task)
        try writer.writeMetadataSchema([
            MetadataSchemaEntry(name: "Video Name", path: "video_name", defaultValue: .string("undefined"), valueDataType: .categoricalString),
        ])
        var random = LCG(seed: 7)
        for (video, frames) in videos.sorted(by: { $0.key < $1.key }) {
            try writer.writeMetadata(MetadataFile(fileName: video, type: .video, metadata: ["video_name": .string(video)]))
            for index in 0..<frames {
                let name = FrameName(videoPath: video, index: index, frameCount: frames).description
                let count = random.int(0...6)
                let predictions = (0..<count).map { _ in Self.person(&random, width: width, height: height) }
                if !predictions.isEmpty {
                    frameStats[name] = (count, predictions.compactMap(\.score).reduce(0, +) / Double(count))
                } else {
                    frameStats[name] = (0, .nan)
                }
                guard !skipPredictions.contains(name) else { continue }
                try writer.writePredictions(PredictionFile(fileName: name, predictions: predictions), task: Self.task)
            }
        }
    }

    /// A person with 17 keypoints in a random pose and a random box inside the picture.
    static func person(_ random: inout LCG, width: Int, height: Int) -> Prediction {
        let boxWidth = random.double(16...40), boxHeight = random.double(30...80)
        let x = random.double(0...(Double(width) - boxWidth)), y = random.double(0...(Double(height) - boxHeight))
        var keypoints: [Double] = []
        for _ in 0..<17 {
            keypoints += [(x + random.double(0...boxWidth)).rounded(), (y + random.double(0...boxHeight)).rounded(), random.double(0.05...1)]
        }
        return Prediction(
            categoryID: 1, score: random.double(0.2...1), bbox: [x.rounded(.down), y.rounded(.down), boxWidth.rounded(), boxHeight.rounded()],
            keypoints: keypoints)
    }

    /// The tutorial's selection config over this fixture's videos.
    func tutorialConfig(samples: Int = 100) -> JSONValue {
        let share = 1.0 / Double(videos.count)
        return .object([
            "n_samples": .int(samples),
            "strategies": .array([
                strategy(["type": .string("EMBEDDINGS"), "task": .string(Self.task)], ["type": .string("DIVERSITY")]),
                strategy(["type": .string("SCORES"), "task": .string(Self.task), "score": .string("object_frequency")], ["type": .string("WEIGHTS")]),
                strategy(["type": .string("SCORES"), "task": .string(Self.task), "score": .string("objectness_least_confidence")],
                         ["type": .string("WEIGHTS")]),
                strategy(["type": .string("METADATA"), "key": .string("video_name")],
                         ["type": .string("BALANCE"), "target": .object(videos.keys.reduce(into: [:]) { $0[$1] = .double(share) })]),
            ]),
        ])
    }

    func strategy(_ input: [String: JSONValue], _ strategy: [String: JSONValue]) -> JSONValue {
        .object(["input": .object(input), "strategy": .object(strategy)])
    }

    /// Runs `schedule` into `out/<name>` and returns that folder and the context.
    @discardableResult
    func run(_ name: String, parameters: [String: JSONValue]) async throws -> (URL, TestStageContext) {
        let stage = ScheduleStage()
        var values: [String: JSONValue] = [:]
        for spec in stage.descriptor.parameters { values[spec.name] = spec.defaultValue }
        values["input"] = .string(input.path)
        values["lightly"] = .string(lightly.path)
        values.merge(parameters) { $1 }
        let output = directory.url.appendingPathComponent("out/\(name)")
        let context = try TestStageContext(
            parameters: values, outputDirectory: output, pipelineDirectory: directory.url,
            checkpointDirectory: directory.url.appendingPathComponent("checkpoints/\(name)"), stageName: "schedule",
            stage: stage)
        try await stage.run(StageItem(key: "all", sources: [], inputs: [:]), context: context)
        return (output, context)
    }

    func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Frame `index` of `video` as RGB24 bytes, extracted by the ffmpeg CLI.
    func ffmpegFrame(_ video: String, _ index: Int) async throws -> Data {
        try await FFmpegCLI.run([
            "-i", input.appendingPathComponent(video).path, "-vf", "select=eq(n\\,\(index))", "-vsync", "0", "-frames:v", "1",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
    }

    /// A PNG decoded to RGB24 bytes by the ffmpeg CLI.
    func rgb(ofPNG url: URL) async throws -> Data {
        try await FFmpegCLI.run(["-i", url.path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
    }
}

/// Mean absolute difference of two equal-length byte buffers.
func meanAbsoluteDifference(_ a: Data, _ b: Data) -> Double {
    guard a.count == b.count, !a.isEmpty else { return .infinity }
    var sum = 0
    for (x, y) in zip(a, b) { sum += abs(Int(x) - Int(y)) }
    return Double(sum) / Double(a.count)
}

/// A small deterministic generator for fixtures.
struct LCG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 11
    }
    mutating func double(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(next()) / Double(1 << 53)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
