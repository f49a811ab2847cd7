import Foundation
import Selection
import TestSupport
import Testing

/// Selection quality against ground truth: on the example's generated clips, given the true poses
/// as predictions, at a budget of 2 % of the frames, how well the tutorial's config covers the pose
/// space against random frames (mean over 20 draws) and frames uniform in time.
///
/// The datasource is the one the example and the quality harness (bench/selection-quality) use:
/// the five clips at full length and size, seed 0, the generator's defaults. It was not chosen for
/// this test; only its ground truth is made (`--truth-only`, no video), which is what an oracle
/// comparison needs.
@Suite struct SelectionQualityTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// One clip's frames with their true people.
    struct Truth {
        var frames: [Frame] = []
        /// Per frame, per person: flat `[x, y, v, ...]` (COCO visibility) and `[x, y, w, h]`.
        var people: [[(keypoints: [Double], box: [Double])]] = []
    }

    /// The ground truth of the example's five clips (seed 0, full length, 960 × 540); frames in video order.
    static func generate() async throws -> Truth {
        let directory = try TemporaryDirectory(prefix: "selection-quality")
        defer { directory.remove() }
        try await DebianPython.run([
            repositoryRoot.appendingPathComponent("examples/generate_clips.py").path,
            "--out", directory.url.path, "--seed", "0", "--truth-only",
        ])
        var truth = Truth()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.hasSuffix(".json") }.sorted()
        for file in files {
            let data = try Data(contentsOf: directory.url.appendingPathComponent(file))
            let coco = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let images = try #require(coco["images"] as? [[String: Any]]).sorted { ($0["id"] as? Int ?? 0) < ($1["id"] as? Int ?? 0) }
            var people: [Int: [(keypoints: [Double], box: [Double])]] = [:]
            for annotation in try #require(coco["annotations"] as? [[String: Any]]) {
                let image = try #require(annotation["image_id"] as? Int)
                let keypoints = try #require(annotation["keypoints"] as? [Double])
                people[image, default: []].append((keypoints, try #require(annotation["bbox"] as? [Double])))
            }
            let video = String(file.dropLast(".json".count))
            for image in images {
                let id = try #require(image["id"] as? Int)
                truth.frames.append(Frame(
                    name: try #require(image["file_name"] as? String), video: video,
                    metadata: ["video_name": .string(video)], index: id))
                truth.people.append(people[id] ?? [])
            }
        }
        return truth
    }

    /// The tutorial's config: object DIVERSITY on pose embeddings, the two WEIGHTS scores, BALANCE
    /// over the videos (without `weights`, the WEIGHTS left out); the true poses as predictions
    /// (visible and hidden joints with confidence 1).
    static func tutorialPicks(_ truth: Truth, count: Int, weights: Bool = true) throws -> [Int] {
        let detections = truth.people.map { people in
            people.map { person in
                var keypoints = person.keypoints
                for joint in 0 ..< keypoints.count / 3 { keypoints[3 * joint + 2] = keypoints[3 * joint + 2] > 0 ? 1 : 0 }
                return Detection(categoryID: 0, score: 1, keypoints: keypoints)
            }
        }
        let embeddings = zip(detections, truth.people).flatMap { frame, people in
            zip(frame, people).map { PoseEmbedding.make(keypoints: $0.keypoints ?? [], box: $1.box) }
        }
        let task = TaskPredictions(
            name: "pose", type: .keypointDetection, categories: [0: "person"], detections: detections,
            objectEmbeddings: try EmbeddingMatrix(rows: embeddings))
        let videos = Set(truth.frames.compactMap(\.video)).sorted()
        let config = SelectionConfig(size: .count(count), strategies: [
            strategy(.embeddings(task: "pose"), .diversity),
            strategy(.scores(task: "pose", score: "object_frequency"), .weights),
            strategy(.scores(task: "pose", score: "objectness_least_confidence"), .weights),
            StrategyEntry(input: .metadata(key: "video_name"), strategy: SelectionStrategy(
                kind: .balance, target: Dictionary(uniqueKeysWithValues: videos.map { ($0, 1 / Double(videos.count)) }))),
        ])
        var chosen = config
        if !weights { chosen.strategies.removeAll { $0.strategy.kind == .weights } }
        return try Selector.select(chosen, inputs: SelectionInputs(frames: truth.frames, tasks: [task])).selectedFrames
    }

    /// A person's visible joints (v > 0) as flat x, y pairs (NaN where hidden), centred on their
    /// mean and divided by √(box area).
    static func normalised(_ person: (keypoints: [Double], box: [Double])) -> [Double] {
        let count = person.keypoints.count / 3
        let visible = (0 ..< count).filter { person.keypoints[3 * $0 + 2] > 0 }
        var joints = [Double](repeating: .nan, count: 2 * count)
        guard !visible.isEmpty else { return joints }
        let centreX = visible.reduce(0) { $0 + person.keypoints[3 * $1] } / Double(visible.count)
        let centreY = visible.reduce(0) { $0 + person.keypoints[3 * $1 + 1] } / Double(visible.count)
        let scale = max((person.box[2] * person.box[3]).squareRoot(), 1)
        for joint in visible {
            joints[2 * joint] = (person.keypoints[3 * joint] - centreX) / scale
            joints[2 * joint + 1] = (person.keypoints[3 * joint + 1] - centreY) / scale
        }
        return joints
    }

    /// Pose-space coverage of a set of frames: per true pose of the datasource, the distance to
    /// the nearest true pose in the selected frames (the mean over the joints both show; 1 when
    /// they share none); their mean and largest. `poses`: per frame, its normalised poses.
    static func coverage(_ poses: [[[Double]]], selected: [Int]) -> (mean: Double, max: Double) {
        // Flat arrays and buffer pointers: the test runs in a debug build.
        let all = Array(poses.joined().joined()), chosen = Array(selected.flatMap { poses[$0] }.joined())
        let width = poses.lazy.joined().first?.count ?? 0
        var sum = 0.0, largest = 0.0
        all.withUnsafeBufferPointer { all in
            chosen.withUnsafeBufferPointer { chosen in
                // `while` loops: a debug build does not inline `stride`'s iterator.
                var pose = 0
                while pose < all.count {
                    var nearest = Double.infinity, other = 0
                    while other < chosen.count {
                        var total = 0.0, joints = 0, x = 0
                        while x < width {
                            let ax = all[pose + x], bx = chosen[other + x]
                            if !ax.isNaN && !bx.isNaN {
                                let dx = ax - bx, dy = all[pose + x + 1] - chosen[other + x + 1]
                                total += (dx * dx + dy * dy).squareRoot()
                                joints += 1
                            }
                            x += 2
                        }
                        if joints > 0 { nearest = min(nearest, total / Double(joints)) }
                        other += width
                    }
                    if nearest == .infinity { nearest = 1 }
                    sum += nearest
                    largest = max(largest, nearest)
                    pose += width
                }
            }
        }
        return (sum / Double(all.count / max(width, 1)), largest)
    }

    @Test func coverageAtTwoPercentAgainstRandomAndUniform() async throws {
        let truth = try await Self.generate()
        let frameCount = truth.frames.count
        #expect(frameCount == 1050)
        let count = Int((0.02 * Double(frameCount)).rounded())
        // People with no visible joint have no pose to cover.
        let poses = truth.people.map { $0.map(Self.normalised).filter { $0.contains { !$0.isNaN } } }

        let tutorial = Self.coverage(poses, selected: try Self.tutorialPicks(truth, count: count))
        let uniform = Self.coverage(poses, selected: (0 ..< count).map { Int((Double($0) + 0.5) * Double(frameCount) / Double(count)) })
        var random = TestRandom(state: 11)
        let randoms = (0 ..< 20).map { _ in
            var order = Array(0 ..< frameCount)
            for index in order.indices.reversed() { order.swapAt(index, random.int(0 ..< index + 1)) }
            return Self.coverage(poses, selected: Array(order.prefix(count)))
        }
        let randomMean = randoms.map(\.mean).reduce(0, +) / Double(randoms.count)
        let randomMax = randoms.map(\.max).reduce(0, +) / Double(randoms.count)
        let withoutWeights = Self.coverage(poses, selected: try Self.tutorialPicks(truth, count: count, weights: false))
        let summary = "\(count) of \(frameCount) frames: tutorial \(tutorial), without its WEIGHTS \(withoutWeights), "
            + "uniform \(uniform), random: mean of means \(randomMean), of maxima \(randomMax)"
        #expect(tutorial.mean < randomMean && tutorial.mean < uniform.mean, "\(summary)")
        #expect(tutorial.max < randomMax && tutorial.max < uniform.max, "\(summary)")
        // Its DIVERSITY and BALANCE alone beat both as well: the WEIGHTS are not what wins.
        #expect(withoutWeights.mean < randomMean && withoutWeights.mean < uniform.mean, "\(summary)")
    }
}
