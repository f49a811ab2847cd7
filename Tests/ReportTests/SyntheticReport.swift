import Foundation
import JSON
import Lightly
import Report
import TestSupport

/// A deterministic synthetic selection run: 3 videos, 90 frames, two scores, a datapool,
/// pose-like embeddings and crop PNGs (made by the ffmpeg CLI) with keypoints.
enum SyntheticReport {
    static let videos = ["match-a.mp4", "match-b.mp4", "clips/match-c.mp4"]
    static let cropCount = 8
    /// Selected frames with a picture: two people, none, one without a box, and a missing file.
    static let pictureCount = 4

    static func make(runFolder: URL) async throws -> ReportData {
        var generator = SplitMix(seed: 7)
        var frames: [FrameRecord] = []
        for (videoIndex, video) in videos.enumerated() {
            for index in 0..<30 {
                let objects = Int(generator.next() % 6)
                let status: FrameStatus = index % 3 == 0 ? .selected : (index == 1 && videoIndex == 0 ? .datapool : .removed)
                frames.append(FrameRecord(
                    name: "\(video.replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: ".", with: "-"))-\(String(format: "%03d", index))-mp4.png",
                    video: video, objects: status == .selected ? objects + 1 : objects, status: status,
                    scores: [
                        "object_frequency": Double(objects) / 5,
                        "objectness_least_confidence": generator.unit() * (status == .selected ? 1 : 0.6),
                    ]
                ))
            }
        }
        var vectors: [[Double]] = [], scores: [Double] = [], selected: [Bool] = [], owners: [String] = []
        for frame in frames where frame.objects > 0 {
            for _ in 0..<frame.objects {
                let cluster = Double(vectors.count % 3) * 0.2
                vectors.append((0..<34).map { dimension in cluster * Double(dimension % 5) + generator.unit() })
                scores.append(generator.unit())
                selected.append(frame.status == .selected)
                owners.append(frame.name)
            }
        }
        let view = try EmbeddingView(
            projecting: vectors, level: .objects, scoreName: "objectness_least_confidence",
            scores: scores, selected: selected, frames: owners
        )
        let crops = runFolder.appendingPathComponent("crops")
        try FileManager.default.createDirectory(at: crops, withIntermediateDirectories: true)
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc=size=96x160:rate=10", "-frames:v", "\(cropCount)", crops.appendingPathComponent("crop-%d.png").path])
        let selectedFrames = frames.filter { $0.status == .selected }
        var gallery: [GalleryCrop] = []
        for index in 1...cropCount {
            var keypoints: [Double] = []
            for joint in 0..<17 {
                keypoints += [20 + Double(joint % 4) * 18, 12 + Double(joint) * 8.5, generator.unit()]
            }
            gallery.append(GalleryCrop(path: "crops/crop-\(index).png", frame: selectedFrames[index].name, score: generator.unit(), keypoints: keypoints))
        }
        gallery.append(GalleryCrop(path: "crops/missing.png", frame: selectedFrames[0].name, score: 0.99, keypoints: []))
        let framesFolder = runFolder.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: framesFolder, withIntermediateDirectories: true)
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc=size=320x180:rate=10", "-frames:v", "3", framesFolder.appendingPathComponent("frame-%d.png").path])
        let person = { (x: Double, y: Double) -> [Double] in
            var keypoints: [Double] = []
            for joint in 0..<17 {
                let column = Double(joint % 4) * 9, row = Double(joint) * 4.5
                keypoints += [x + column, y + row, generator.unit()]
            }
            return keypoints
        }
        let pictures = [
            FramePicture(path: "frames/frame-1.png", frame: selectedFrames[0].name, pick: 1, objects: [
                PictureObject(bbox: [40, 20, 40, 80], score: 0.9, keypoints: person(45, 22)),
                PictureObject(bbox: [200, 60, 45, 90], score: 0.4, keypoints: person(205, 62)),
            ]),
            FramePicture(path: "frames/frame-2.png", frame: selectedFrames[1].name, pick: 2, objects: []),
            FramePicture(path: "frames/frame-3.png", frame: selectedFrames[2].name, pick: 3, objects: [
                PictureObject(bbox: nil, score: nil, keypoints: person(120, 40)),
            ]),
            FramePicture(path: "frames/missing.png", frame: selectedFrames[3].name, pick: 4, objects: []),
        ]
        let run = RunInformation(
            runId: "run-0001", tag: "initial-tag", created: "2026-11-25T15:00:00Z",
            inputDatasource: "file:///data/volleyball", lightlyDatasource: "file:///data/volleyball-lightly",
            selectionConfig: .object([
                "n_samples": .int(30),
                "strategies": .array([
                    .object(["input": .object(["type": .string("EMBEDDINGS"), "task": .string("keypoint_rcnn_detection")]), "strategy": .object(["type": .string("DIVERSITY")])]),
                ]),
            ]),
            totalSeconds: 12.5
        )
        return ReportData(
            run: run,
            stages: [
                StageSummary(name: "load datasource", input: 97, kept: 90, inputUnit: "files", keptUnit: "frames",
                             detail: "3 videos and 94 Lightly files read; 90 frames with predictions are candidates", seconds: 1.2),
                StageSummary(name: "active-learning scores", input: 90, kept: 90, seconds: 0.4),
                StageSummary(name: "selection", input: 89, kept: 30, seconds: 9.8),
                StageSummary(name: "crops", input: 30, kept: 30, seconds: 1.1),
            ],
            frames: frames,
            videoTarget: Dictionary(uniqueKeysWithValues: videos.map { ($0, 1.0 / 3) }),
            embedding: view, selectedFrames: pictures, gallery: gallery
        )
    }
}

/// A tiny deterministic random number generator (the tests must not depend on a system one).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

struct ToolFailure: Error, CustomStringConvertible {
    var description: String
}
