import Foundation
import Selection
import Testing

@Suite struct ConfigParsingTests {
    static let tutorial = """
    {"n_samples": 100, "strategies": [
      {"input": {"type": "EMBEDDINGS", "task": "keypoint_rcnn_detection"}, "strategy": {"type": "DIVERSITY"}},
      {"input": {"type": "SCORES", "task": "keypoint_rcnn_detection", "score": "object_frequency"}, "strategy": {"type": "WEIGHTS"}},
      {"input": {"type": "SCORES", "task": "keypoint_rcnn_detection", "score": "objectness_least_confidence"}, "strategy": {"type": "WEIGHTS"}},
      {"input": {"type": "METADATA", "key": "video_name"}, "strategy": {"type": "BALANCE", "target": {
        "a.mp4": 0.2, "b.mp4": 0.2, "c.mp4": 0.2, "d.mp4": 0.2, "e.mp4": 0.2}}}
    ]}
    """

    @Test func tutorialConfigDecodes() throws {
        let config = try decodeConfig(Self.tutorial)
        #expect(config.size == .count(100))
        #expect(config.strategies.count == 4)
        #expect(config.strategies[0].input == .embeddings(task: "keypoint_rcnn_detection"))
        #expect(config.strategies[0].strategy.kind == .diversity)
        #expect(config.strategies[0].strategy.strength == 1)
        #expect(config.strategies[1].input == .scores(task: "keypoint_rcnn_detection", score: "object_frequency"))
        #expect(config.strategies[3].strategy.target?["c.mp4"] == 0.2)
    }

    @Test func everyInputAndStrategyDecodes() throws {
        let config = try decodeConfig("""
        {"proportion_samples": 0.25, "lightly_path_regex": ".*", "auto_tasks": [{"type": "TILING", "name": "tiles", "num_rows": 2, "num_cols": 3}],
         "strategies": [
          {"input": {"type": "METADATA", "key": "sharpness"}, "strategy": {"type": "THRESHOLD", "threshold": 20, "operation": "BIGGER_EQUAL"}},
          {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY", "strength": 0.5, "stopping_condition_minimum_distance": 0.1}},
          {"input": {"type": "EMBEDDINGS", "dataset_id": "0123456789abcdef01234567", "tag_name": "query"}, "strategy": {"type": "SIMILARITY", "strength": -2}},
          {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "TYPICALITY", "num_nearest_neighbors": 5, "stopping_condition_minimum_typicality": 0.3}},
          {"input": {"type": "PREDICTIONS", "task": "det", "name": "CLASS_DISTRIBUTION", "categories": ["person"]}, "strategy": {"type": "BALANCE", "distribution": "UNIFORM"}},
          {"input": {"type": "PREDICTIONS", "task": "det", "name": "CATEGORY_COUNT"}, "strategy": {"type": "WEIGHTS", "stopping_condition_max_sum": 10, "target_range": {"min_sum": 1, "max_sum": 5}}},
          {"input": {"type": "RANDOM", "random_seed": 42}, "strategy": {"type": "WEIGHTS", "strength": 0.1}}
        ]}
        """)
        #expect(config.size == .proportion(0.25))
        #expect(config.autoTasks == [AutoTask(name: "tiles", rows: 2, columns: 3)])
        #expect(config.strategies[0].strategy.operation == .biggerEqual)
        #expect(config.strategies[1].strategy.minimumDistance == 0.1)
        #expect(config.strategies[2].input == .queryEmbeddings(datasetID: "0123456789abcdef01234567", tagName: "query"))
        #expect(config.strategies[2].strategy.strength == -2)
        #expect(config.strategies[3].strategy.nearestNeighbors == 5)
        #expect(config.strategies[4].strategy.distribution == .uniform)
        #expect(config.strategies[5].strategy.targetRange == 1...5)
        #expect(config.strategies[6].input == .random(seed: 42))
    }

    static let errorCases: [(String, String)] = [
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS"}}, {"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS"}}, {"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHT"}}]}"#,
         "strategies[2].strategy.type: unknown value 'WEIGHT'. Did you mean 'WEIGHTS'?"),
        (#"{"n_sample": 3, "strategies": []}"#,
         "n_sample: unknown key 'n_sample'. Did you mean 'n_samples'?"),
        (#"{"n_samples": 3, "proportion_samples": 0.5, "strategies": []}"#,
         "selection_config: set exactly one of 'n_samples' and 'proportion_samples', not both"),
        (#"{"strategies": [{"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS"}}]}"#,
         "selection_config: set exactly one of 'n_samples' and 'proportion_samples'"),
        (#"{"n_samples": 3, "strategies": []}"#, "strategies: needs at least one strategy"),
        (#"{"n_samples": 2.5, "strategies": []}"#, "n_samples: expected an integer, got 2.5"),
        (#"{"n_samples": -2, "strategies": []}"#, "n_samples: must be at least -1 (-1: no limit), got -2"),
        (#"{"proportion_samples": 1.5, "strategies": []}"#, "proportion_samples: must be between 0 and 1, got 1.5"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "SCORES", "task": "t", "scor": "x"}, "strategy": {"type": "WEIGHTS"}}]}"#,
         "strategies[0].input.scor: unknown key 'scor'. Did you mean 'score'?"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "SCORES", "task": "t"}, "strategy": {"type": "WEIGHTS"}}]}"#,
         "strategies[0].input: input type SCORES needs key 'score'"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "EMBEDING"}, "strategy": {"type": "DIVERSITY"}}]}"#,
         "strategies[0].input.type: unknown value 'EMBEDING'. Did you mean 'EMBEDDINGS'?"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "WEIGHTS"}}]}"#,
         "strategies[0].input: input EMBEDDINGS (frame-level) cannot be used with strategy WEIGHTS; it accepts SCORES, METADATA (numeric), PREDICTIONS with name CATEGORY_COUNT, or RANDOM"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "METADATA", "key": "k"}, "strategy": {"type": "DIVERSITY"}}]}"#,
         "strategies[0].input: input METADATA cannot be used with strategy DIVERSITY; it accepts EMBEDDINGS (frame-level, or with 'task' object-level)"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "METADATA", "key": "k"}, "strategy": {"type": "THRESHOLD", "threshold": 1}}]}"#,
         "strategies[0].strategy: THRESHOLD needs key 'operation'"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "METADATA", "key": "k"}, "strategy": {"type": "THRESHOLD", "threshold": 1, "operation": "BIGGER", "strength": 2}}]}"#,
         "strategies[0].strategy.strength: unknown key 'strength'. allowed keys for THRESHOLD: 'type', 'threshold', 'operation'"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "METADATA", "key": "k"}, "strategy": {"type": "BALANCE"}}]}"#,
         "strategies[0].strategy: BALANCE needs 'target', or 'distribution' UNIFORM or INPUT"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "METADATA", "key": "k"}, "strategy": {"type": "BALANCE", "target": {"a": 0.7, "b": 0.6}}}]}"#,
         "strategies[0].strategy.target: fractions sum to 1.2999999999999998, more than 1"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS", "strength": 2e9}}]}"#,
         "strategies[0].strategy.strength: must be between -1e9 and 1e9"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "TYPICALITY", "num_nearest_neighbors": 1}}]}"#,
         "strategies[0].strategy.num_nearest_neighbors: must be at least 2, got 1"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "EMBEDDINGS", "dataset_id": "xyz", "tag_name": "tag"}, "strategy": {"type": "SIMILARITY"}}]}"#,
         "strategies[0].input.dataset_id: must be 24 lowercase hex digits, got 'xyz'"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "SCORES", "task": "bad name", "score": "s"}, "strategy": {"type": "WEIGHTS"}}]}"#,
         "strategies[0].input.task: 'bad name' is not a valid name (letters, digits and _+=,.@:/- only)"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS", "target_range": {"min_sum": 5, "max_sum": 1}}}]}"#,
         "strategies[0].strategy.target_range.max_sum: must be at least min_sum (5.0)"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "RANDOM"}}]}"#,
         "strategies[0]: missing key 'strategy'"),
        (#"{"n_samples": 3, "strategies": [], "auto_tasks": [{"type": "CROP", "name": "c"}]}"#,
         "strategies: needs at least one strategy"),
        (#"{"n_samples": 3, "strategies": [{"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS"}}], "auto_tasks": [{"type": "CROP", "name": "c"}]}"#,
         "auto_tasks[0].type: AutoTask type 'CROP' not supported; only 'TILING' is"),
    ]

    @Test(arguments: errorCases)
    func badConfigNamesTheKeyPath(json: String, message: String) {
        #expect(configError(json) == message)
    }
}
