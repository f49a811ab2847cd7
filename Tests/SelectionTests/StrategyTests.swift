import Foundation
import Selection
import TestSupport
import Testing

@Suite struct CombinationTests {
    @Test func documentedWorkedExamplePicksTheSecond() {
        let candidates = [[1, 0.3], [0.8, 0.8], [0.5, 1.0]]
        let scores = candidates.map { Selector.combinedScore(factors: $0, strengths: [1, 1]) }
        for (score, expected) in zip(scores, [0.3, 0.64, 0.5]) { #expect(abs(score - expected) < 1e-12) }
        #expect(scores.indices.max { scores[$0] < scores[$1] } == 1)
    }

    // The fourth frame sets both ranges' minimum to 0, so WEIGHTS factors equal the values.
    static let example = framesWithMetadata(["a": [1, 0.8, 0.5, 0], "b": [0.3, 0.8, 1.0, 0]])

    func select(strengths: (Double, Double), count: Int = 1) throws -> SelectionResult {
        let config = SelectionConfig(size: .count(count), strategies: [
            strategy(.metadata(key: "a"), .weights, strength: strengths.0),
            strategy(.metadata(key: "b"), .weights, strength: strengths.1),
        ])
        return try Selector.select(config, inputs: SelectionInputs(frames: Self.example))
    }

    @Test func workedExampleEndToEnd() throws {
        let result = try select(strengths: (1, 1), count: 3)
        #expect(result.selectedFrames == [1, 2, 0])
        #expect(result.picks[0].factors == [0.8, 0.8])
        #expect(abs(result.picks[0].logScore - log(0.64)) < 1e-12)
        #expect(result.stopReason == .reachedCount)
        #expect(result.warnings.isEmpty)
    }

    @Test func strengthZeroIgnoresAStrategy() throws {
        #expect(try select(strengths: (1, 0), count: 3).selectedFrames == [0, 1, 2])
        #expect(try select(strengths: (0, 1), count: 3).selectedFrames == [2, 1, 0])
    }

    @Test func negativeStrengthInverts() throws {
        // a / b: 3.33, 1, 0.5, 1
        #expect(try select(strengths: (1, -1), count: 1).selectedFrames == [0])
        // b / a: 0.3, 1, 2, 1
        #expect(try select(strengths: (-1, 1), count: 1).selectedFrames == [2])
        // a² b: 0.3, 0.512, 0.25
        #expect(try select(strengths: (2, 1), count: 1).selectedFrames == [1])
    }
}

@Suite struct WeightsAndThresholdTests {
    @Test func weightsMapTheRangeOfTheCandidates() throws {
        let frames = framesWithMetadata(["x": [-1, 0, 1]])
        let config = SelectionConfig(size: .count(3), strategies: [strategy(.metadata(key: "x"), .weights)])
        let result = try Selector.select(config, inputs: SelectionInputs(frames: frames))
        #expect(result.selectedFrames == [2, 1, 0])
        #expect(result.picks.map { $0.factors[0] } == [1, 0.5, 0.01])
    }

    @Test func thresholdFiltersBeforeTheGreedy() throws {
        let frames = framesWithMetadata(["x": [0.1, 0.5, 0.9, 0.5, .nan], "w": [100, 100, 1, 100, 100]])
        func run(_ operation: SelectionStrategy.ThresholdOperation) throws -> [Int] {
            let config = SelectionConfig(size: .count(-1), strategies: [
                StrategyEntry(input: .metadata(key: "x"), strategy: SelectionStrategy(kind: .threshold, threshold: 0.5, operation: operation)),
                strategy(.metadata(key: "w"), .weights),
            ])
            return try Selector.select(config, inputs: SelectionInputs(frames: frames)).selectedFrames.sorted()
        }
        #expect(try run(.bigger) == [2])
        #expect(try run(.biggerEqual) == [1, 2, 3])
        #expect(try run(.smaller) == [0])
        #expect(try run(.smallerEqual) == [0, 1, 3])
    }

    @Test func thresholdNeverLetsAFailingSampleThrough() throws {
        var random = TestRandom(state: 7)
        let values = (0 ..< 300).map { _ in random.unit() }
        // The weights prefer exactly the failing frames, strongly.
        let frames = framesWithMetadata(["x": values, "w": values.map { 1 - $0 }])
        let config = SelectionConfig(size: .count(120), strategies: [
            StrategyEntry(input: .metadata(key: "x"), strategy: SelectionStrategy(kind: .threshold, threshold: 0.6, operation: .biggerEqual)),
            strategy(.metadata(key: "w"), .weights, strength: 50),
            strategy(.random(seed: 3), .weights),
        ])
        let result = try Selector.select(config, inputs: SelectionInputs(frames: frames))
        let passing = values.count { $0 >= 0.6 }
        #expect(result.selectedFrames.count == min(120, passing))
        #expect(result.selectedFrames.allSatisfy { values[$0] >= 0.6 })
    }

    @Test func maxSumStopsTheSelection() throws {
        let frames = framesWithMetadata(["x": [1, 2, 3, 4]])
        let config = SelectionConfig(size: .count(4), strategies: [
            StrategyEntry(input: .metadata(key: "x"), strategy: SelectionStrategy(kind: .weights, maxSum: 6)),
        ])
        let result = try Selector.select(config, inputs: SelectionInputs(frames: frames))
        #expect(result.selectedFrames == [3, 2])
        #expect(result.stopReason == .maxSum)
    }

    @Test func moreSamplesThanExistSelectsAllWithAWarning() throws {
        let frames = framesWithMetadata(["x": [1, 2, 3]], datapool: [0])
        let config = SelectionConfig(size: .count(10), strategies: [strategy(.metadata(key: "x"), .weights)])
        let result = try Selector.select(config, inputs: SelectionInputs(frames: frames))
        #expect(result.selectedFrames == [2, 1])
        #expect(result.warnings == ["asked for 10 frames but only 2 candidates remain; selecting all of them"])
    }

    @Test func randomInputIsDeterministicPerSeed() throws {
        let frames = (0 ..< 100).map { Frame(name: "f\($0)") }
        func run(_ seed: UInt64, random: Int? = nil) throws -> [Int] {
            let config = SelectionConfig(size: .count(10), strategies: [strategy(.random(seed: random), .weights)])
            return try Selector.select(config, inputs: SelectionInputs(frames: frames), options: SelectionOptions(seed: seed)).selectedFrames
        }
        #expect(try run(0) == run(0))
        #expect(try run(0) != run(1))
        #expect(try run(0, random: 42) == run(5, random: 42))
        #expect(Set(try run(0)).count == 10)
    }

    @Test func categoryCountCountsChosenCategories() throws {
        let task = TaskPredictions(name: "det", type: .objectDetection, categories: [0: "person", 1: "ball"], detections: [
            [Detection(categoryID: 0, score: 0.9), Detection(categoryID: 1, score: 0.9)],
            [Detection(categoryID: 1, score: 0.9), Detection(categoryID: 1, score: 0.9), Detection(categoryID: 1, score: 0.9)],
            [Detection(categoryID: 0, score: 0.9), Detection(categoryID: 0, score: 0.9)],
        ])
        let inputs = SelectionInputs(frames: (0 ..< 3).map { Frame(name: "f\($0)") }, tasks: [task])
        let config = SelectionConfig(size: .count(1), strategies: [
            strategy(.predictions(task: "det", name: .categoryCount, categories: ["person"]), .weights),
        ])
        let result = try Selector.select(config, inputs: inputs)
        #expect(result.selectedFrames == [2])
        #expect(result.inputValues[0] == [1, 0, 2])
    }
}

@Suite struct DiversityTests {
    static func line(_ points: [Float], datapool: Set<Int>) throws -> SelectionInputs {
        SelectionInputs(
            frames: points.indices.map { Frame(name: "f\($0)", isInDatapool: datapool.contains($0)) },
            frameEmbeddings: try EmbeddingMatrix(dimension: 1, values: points))
    }

    @Test func frameLevelPicksTheFarthestFirst() throws {
        let inputs = try Self.line([0, 1, 2.5, 10, 4], datapool: [0])
        let config = SelectionConfig(size: .count(4), strategies: [strategy(.embeddings(task: nil), .diversity)])
        let result = try Selector.select(config, inputs: inputs)
        #expect(result.selectedFrames == [3, 4, 2, 1])
        #expect(result.picks.map { $0.factors[0] } == [10, 4, 1.5, 1])
    }

    @Test func minimumDistanceStopsWhereItShould() throws {
        let inputs = try Self.line([0, 1, 2.5, 10, 4], datapool: [0])
        var entry = strategy(.embeddings(task: nil), .diversity)
        entry.strategy.minimumDistance = 1.6
        let result = try Selector.select(SelectionConfig(size: .count(4), strategies: [entry]), inputs: inputs)
        #expect(result.selectedFrames == [3, 4])
        #expect(result.stopReason == .minimumDistance)
    }

    static func objectInputs() throws -> SelectionInputs {
        // A (datapool) {0}; B {1, 5}; C {2, 3}; D {}; E {0.5}
        let objects: [[Float]] = [[0], [1, 5], [2, 3], [], [0.5]]
        let task = TaskPredictions(
            name: "kp", type: .keypointDetection, categories: [1: "person"],
            detections: objects.map { $0.map { _ in Detection(categoryID: 1, score: 0.5) } },
            objectEmbeddings: try EmbeddingMatrix(dimension: 1, values: objects.flatMap { $0 }))
        return SelectionInputs(frames: (0 ..< 5).map { Frame(name: "f\($0)", isInDatapool: $0 == 0) }, tasks: [task])
    }

    @Test(arguments: [true, false])
    func objectLevelUsesTheFarthestObjectOfAFrame(lazily: Bool) throws {
        let config = SelectionConfig(size: .count(4), strategies: [strategy(.embeddings(task: "kp"), .diversity)])
        let result = try Selector.select(config, inputs: try Self.objectInputs(), options: SelectionOptions(evaluatesLazily: lazily))
        #expect(result.selectedFrames == [1, 2, 4, 3])
        #expect(result.picks.map { $0.factors[0] } == [5, 2, 0.5, 0])
    }

    @Test func objectLevelMinimumDistance() throws {
        var entry = strategy(.embeddings(task: "kp"), .diversity)
        entry.strategy.minimumDistance = 1
        let result = try Selector.select(SelectionConfig(size: .count(4), strategies: [entry]), inputs: try Self.objectInputs())
        #expect(result.selectedFrames == [1, 2])
        #expect(result.stopReason == .minimumDistance)
    }

    @Test func negativeStrengthPrefersSimilarFrames() throws {
        let inputs = try Self.line([0, 1, 2.5, 10, 4], datapool: [0])
        let config = SelectionConfig(size: .count(2), strategies: [strategy(.embeddings(task: nil), .diversity, strength: -1)])
        #expect(try Selector.select(config, inputs: inputs).selectedFrames == [1, 2])
    }

    @Test func lazyAndExactAgreeOnARandomScene() throws {
        var random = TestRandom(state: 11)
        let frameCount = 400
        var detections: [[Detection]] = []
        var vectors: [Float] = []
        var frames: [Frame] = []
        for index in 0 ..< frameCount {
            let people = random.int(0 ..< 6)
            detections.append((0 ..< people).map { _ in Detection(categoryID: 1, score: random.unit()) })
            for _ in 0 ..< people * 8 { vectors.append(Float(random.unit())) }
            frames.append(Frame(name: "f\(index)", metadata: ["group": .string("g\(random.int(0 ..< 4))")], isInDatapool: index < 3))
        }
        let task = TaskPredictions(
            name: "kp", type: .keypointDetection, categories: [1: "person"], detections: detections,
            objectEmbeddings: try EmbeddingMatrix(dimension: 8, values: vectors))
        let inputs = SelectionInputs(frames: frames, tasks: [task])
        let config = SelectionConfig(size: .count(60), strategies: [
            strategy(.embeddings(task: "kp"), .diversity),
            strategy(.scores(task: "kp", score: "objectness_least_confidence"), .weights),
            StrategyEntry(input: .metadata(key: "group"), strategy: SelectionStrategy(kind: .balance, distribution: .uniform)),
        ])
        let lazy = try Selector.select(config, inputs: inputs, options: SelectionOptions(evaluatesLazily: true))
        let exact = try Selector.select(config, inputs: inputs, options: SelectionOptions(evaluatesLazily: false))
        #expect(lazy.selectedFrames.count == 60)
        #expect(lazy.selectedFrames == exact.selectedFrames)
    }
}

@Suite struct SimilarityAndTypicalityTests {
    @Test func similarityPrefersFramesNearTheQuery() throws {
        let inputs = SelectionInputs(
            frames: (0 ..< 4).map { Frame(name: "f\($0)") },
            frameEmbeddings: try EmbeddingMatrix(dimension: 1, values: [0, 1, 3, 6]),
            queryEmbeddings: [SelectionInputs.queryKey(datasetID: "q", tagName: "t"): try EmbeddingMatrix(dimension: 1, values: [2.8])])
        let config = SelectionConfig(size: .count(4), strategies: [strategy(.queryEmbeddings(datasetID: "q", tagName: "t"), .similarity)])
        let result = try Selector.select(config, inputs: inputs)
        #expect(result.selectedFrames == [2, 1, 0, 3])
        let factors = result.picks.map { $0.factors[0] }
        for (factor, expected) in zip(factors, [1 - 0.2 / 3.2, 1 - 1.8 / 3.2, 1 - 2.8 / 3.2, 0.01]) {
            #expect(abs(factor - expected) < 1e-6)
        }
    }

    @Test func typicalityPrefersDenseRegionsAndStops() throws {
        let inputs = SelectionInputs(
            frames: (0 ..< 4).map { Frame(name: "f\($0)") },
            frameEmbeddings: try EmbeddingMatrix(dimension: 1, values: [0, 0.1, 0.2, 5]))
        // mean distance to the 2 nearest: 0.15, 0.1, 0.15, 4.85
        let entry = StrategyEntry(input: .embeddings(task: nil), strategy: SelectionStrategy(kind: .typicality, nearestNeighbors: 2, minimumTypicality: 0.5))
        let result = try Selector.select(SelectionConfig(size: .count(3), strategies: [entry]), inputs: inputs)
        #expect(result.selectedFrames.first == 1)
        #expect(Set(result.selectedFrames) == [0, 1, 2])
        #expect(abs(result.picks[0].factors[0] - 1) < 1e-9)
        #expect(abs(result.picks[1].factors[0] - 0.1 / 0.15) < 1e-6)
    }
}

@Suite struct SequenceTests {
    @Test func selectsWholeSequencesWithinVideos() throws {
        let frames = (0 ..< 10).map { Frame(name: "f\($0)", video: $0 < 5 ? "a.mp4" : "b.mp4", metadata: ["x": .number(Double($0))]) }
        let config = SelectionConfig(size: .count(4), strategies: [strategy(.metadata(key: "x"), .weights)])
        let result = try Selector.select(config, inputs: SelectionInputs(frames: frames), options: SelectionOptions(sequenceLength: 2))
        #expect(result.picks.map(\.frames) == [[7, 8], [5, 6]])
        #expect(result.warnings == ["2 frames at video ends do not fill a sequence of 2 and are not candidates"])
        let odd = SelectionConfig(size: .count(3), strategies: [strategy(.metadata(key: "x"), .weights)])
        #expect(odd.validate(against: SelectionInputs(frames: frames), sequenceLength: 2).map(\.description)
            == ["n_samples: 3 is not a multiple of selected_sequence_length 2"])
    }
}

@Suite struct ValidationTests {
    static let inputs = SelectionInputs(
        frames: [Frame(name: "f0", metadata: ["video_name": .string("a.mp4"), "sharpness": .number(3)])],
        tasks: [
            TaskPredictions(name: "people_det", type: .objectDetection, categories: [0: "person"], detections: [[]]),
            TaskPredictions(name: "pose", type: .keypointDetection, categories: [1: "person"], detections: [[]]),
        ])

    static let cases: [(StrategyEntry, String)] = [
        (strategy(.scores(task: "kp_det", score: "mean_uncertainty"), .weights),
         "strategies[0].input.task: unknown task 'kp_det'. tasks: 'people_det', 'pose'"),
        (strategy(.scores(task: "pose", score: "object_frequncy"), .weights),
         "strategies[0].input.score: unknown score 'object_frequncy' for keypoint-detection task 'pose'. Did you mean 'object_frequency'? scores: 'mean_uncertainty', 'object_frequency', 'objectness_least_confidence', 'uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy', 'temporal_inconsistency', 'pose_implausibility'"),
        (strategy(.scores(task: "people_det", score: "mean_uncertainty"), .weights),
         "strategies[0].input.score: unknown score 'mean_uncertainty' for object-detection task 'people_det'. scores: 'object_frequency', 'objectness_least_confidence', 'uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'"),
        (strategy(.metadata(key: "video_nam"), .weights),
         "strategies[0].input.key: unknown metadata key 'video_nam'. Did you mean 'video_name'? keys: 'sharpness', 'video_name'"),
        (strategy(.metadata(key: "video_name"), .weights),
         "strategies[0].input.key: metadata key 'video_name' is categorical; WEIGHTS needs numeric metadata"),
        (strategy(.embeddings(task: "pose"), .diversity),
         "strategies[0].input.task: task 'pose' has no object embeddings"),
        (strategy(.embeddings(task: nil), .diversity),
         "strategies[0].input: frame-level EMBEDDINGS requested but the inputs have no frame embeddings"),
        (strategy(.predictions(task: "people_det", name: .classDistribution, categories: ["persn"]), .balance),
         "strategies[0].input.categories: unknown category 'persn' of task 'people_det'. Did you mean 'person'? categories: 'person'"),
    ]

    @Test(arguments: cases)
    func mismatchNamesWhatExists(entry: StrategyEntry, message: String) throws {
        let config = SelectionConfig(size: .count(1), strategies: [entry])
        #expect(config.validate(against: Self.inputs).map(\.description) == [message])
        let error = try #require(throws: SelectionError.self) { try Selector.select(config, inputs: Self.inputs) }
        #expect(error.code == .configMismatch)
    }

    @Test func inconsistentInputsAreReported() throws {
        var inputs = Self.inputs
        inputs.frameEmbeddings = try EmbeddingMatrix(dimension: 2, values: [1, 2, 3, 4])
        let config = SelectionConfig(size: .count(1), strategies: [strategy(.random(seed: nil), .weights)])
        #expect(config.validate(against: inputs).map(\.description) == ["inputs: 2 frame embeddings for 1 frames"])
        #expect(throws: SelectionError.self) { try EmbeddingMatrix(dimension: 3, values: [1, 2]) }
    }
}
