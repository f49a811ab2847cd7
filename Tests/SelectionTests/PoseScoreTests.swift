@testable import Selection
import TestSupport
import Testing

/// Standing COCO skeletons (17 keypoints) with a little noise.
enum Skeleton {
    static let template: [(Double, Double)] = {
        let xs: [Double] = [0, -4, 4, -8, 8, -20, 20, -28, 28, -32, 32, -12, 12, -14, 14, -15, 15]
        let ys: [Double] = [-80, -84, -84, -82, -82, -60, -60, -30, -30, 0, 0, 0, 0, 40, 40, 80, 80]
        return Array(zip(xs, ys))
    }()

    /// Flat `[x, y, confidence, ...]` of the template scaled by `scale` (1 = 160 px tall) at `centre`.
    static func keypoints(centre: (Double, Double), scale: Double = 1, noise: Double = 0.5, random: inout TestRandom) -> [Double] {
        var flat: [Double] = []
        for (x, y) in template {
            let jitterX = noise * (random.unit() - 0.5), jitterY = noise * (random.unit() - 0.5)
            flat += [centre.0 + scale * x + jitterX, centre.1 + scale * y + jitterY, 0.9]
        }
        return flat
    }

    static func moved(_ keypoints: [Double], joints: [Int], by offset: Double) -> [Double] {
        var moved = keypoints
        for joint in joints {
            moved[3 * joint] += offset
            moved[3 * joint + 1] += offset
        }
        return moved
    }
}

@Suite struct TemporalInconsistencyTests {
    /// One video of `count` frames with three people walking at different speeds.
    static func walk(count: Int = 12, seed: UInt64 = 3) -> [[[Double]]] {
        var random = TestRandom(state: seed)
        return (0 ..< count).map { t in
            [(100.0, 3.0), (400.0, -2.0), (700.0, 5.0)].map { start, speed in
                Skeleton.keypoints(centre: (start + speed * Double(t), 300), random: &random)
            }
        }
    }

    @Test func aThreeJointJumpRanksAboveItsNeighbours() {
        var frames = Self.walk()
        frames[6][1] = Skeleton.moved(frames[6][1], joints: [7, 9, 10], by: 25)
        let scores = TemporalInconsistency.frameScores(keypoints: frames, videos: frames.map { _ in "v" })
        #expect(scores[6] > scores[5] && scores[6] > scores[7], "\(scores)")
        #expect(scores.indices.max { scores[$0] < scores[$1] } == 6)
        // Steady walking alone is consistent: the frames away from the jump score low (the two
        // ends compare with one neighbour only, so their plain steps count).
        for t in [1, 2, 3, 4, 8, 9, 10] { #expect(scores[t] < scores[6] / 4, "frame \(t): \(scores)") }
        for t in [0, 11] { #expect(scores[t] < scores[6] / 2, "frame \(t): \(scores)") }
    }

    @Test func aPersonMissingForOneFrameScoresOne() {
        var frames = Self.walk()
        frames[4].remove(at: 2)
        let scores = TemporalInconsistency.frameScores(keypoints: frames, videos: frames.map { _ in "v" })
        #expect(scores[4] == 1)
        #expect(scores[3] < 1 && scores[5] < 1)
    }

    @Test func framesOfOtherVideosAreNotNeighbours() {
        var random = TestRandom(state: 9)
        let a = Skeleton.keypoints(centre: (100, 300), random: &random)
        let b = Skeleton.keypoints(centre: (600, 300), random: &random)
        // Each frame its own video: no neighbours, nothing inconsistent.
        let frames = [[a], [b], [a]]
        #expect(TemporalInconsistency.frameScores(keypoints: frames, videos: ["x", "y", "z"]) == [0, 0, 0])
        // One video: b flickers in for one frame, and a vanishes for it.
        #expect(TemporalInconsistency.frameScores(keypoints: frames, videos: ["x", "x", "x"])[1] == 1)
    }

    @Test func selectionByTheScorePicksTheJump() throws {
        var keypoints = Self.walk()
        keypoints[6][1] = Skeleton.moved(keypoints[6][1], joints: [7, 9, 10], by: 25)
        let frames = keypoints.indices.map { Frame(name: "v-\($0)", video: "v", index: $0) }
        let task = TaskPredictions(
            name: "pose", type: .keypointDetection, categories: [0: "person"],
            detections: keypoints.map { $0.map { Detection(categoryID: 0, score: 0.9, keypoints: $0) } })
        let config = try decodeConfig("""
            {"n_samples": 1, "strategies": [{"input": {"type": "SCORES", "task": "pose", "score": "temporal_inconsistency"},
             "strategy": {"type": "WEIGHTS"}}]}
            """)
        let result = try Selector.select(config, inputs: SelectionInputs(frames: frames, tasks: [task]))
        #expect(result.selectedFrames == [6])
    }
}

@Suite struct PoseImplausibilityTests {
    @Test func aDoubledForearmRanksAboveNormalPeople() {
        var random = TestRandom(state: 5)
        var frames: [[[Double]]] = (0 ..< 20).map { frame in
            (0 ..< 3).map { person in
                Skeleton.keypoints(
                    centre: (Double(200 * person + 100), 300), scale: 0.5 + random.unit(), noise: 3, random: &random)
            }
        }
        // Frame 7, person 2: the left wrist twice as far from the elbow.
        var person = frames[7][2]
        for axis in 0 ..< 2 { person[3 * 9 + axis] = person[3 * 7 + axis] + 2 * (person[3 * 9 + axis] - person[3 * 7 + axis]) }
        frames[7][2] = person
        let objects = PoseImplausibility.objectScores(keypoints: frames)
        let doubled = objects[7][2]
        for (frame, scores) in objects.enumerated() {
            for (index, score) in scores.enumerated() where (frame, index) != (7, 2) {
                #expect(score < doubled / 2, "frame \(frame) person \(index): \(score) vs \(doubled)")
            }
        }
        let perFrame = PoseImplausibility.frameScores(keypoints: frames)
        #expect(perFrame.indices.max { perFrame[$0] < perFrame[$1] } == 7)
    }

    @Test func otherLayoutsAndEmptyFramesScoreZero() {
        let scores = PoseImplausibility.frameScores(keypoints: [[[1, 2, 1, 3, 4, 1]], []])
        #expect(scores == [0, 0])
    }
}

@Suite struct AssignmentTests {
    @Test func hungarianFindsTheBestTotalNotTheGreedyPairs() {
        // Greedy would take 0.9 (row 0 → column 0) and then 0.1; the best total is 0.8 + 0.8.
        let weights = [[0.9, 0.8], [0.8, 0.1]]
        #expect(Assignment.maximising(weights) == [1, 0])
        #expect(Assignment.maximising([[0.5], [0.9], [0.1]]) == [nil, 0, nil])
        #expect(Assignment.maximising([[0.1, 0.05]], minimum: 0.2) == [nil])
    }
}
