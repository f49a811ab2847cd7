import Selection
import TestSupport
import Testing

@Suite struct ConstraintTests {
    /// Videos a (90 frames), b (8) and c (3), every 5th frame decoded (index = 5 × position), with
    /// random weights, a `video_name` and random frame embeddings.
    static func inputs(seed: UInt64 = 2) throws -> SelectionInputs {
        var random = TestRandom(state: seed)
        var frames: [Frame] = []
        for (video, count) in [("a", 90), ("b", 8), ("c", 3)] {
            for position in 0 ..< count {
                frames.append(Frame(
                    name: "\(video)-\(position)", video: video,
                    metadata: ["video_name": .string(video), "w": .number(random.unit())], index: 5 * position))
            }
        }
        let embeddings = try EmbeddingMatrix(dimension: 4, values: (0 ..< 4 * frames.count).map { _ in Float(random.unit()) })
        return SelectionInputs(frames: frames, frameEmbeddings: embeddings)
    }

    static func config(count: Int, constraints: SelectionConstraints?) -> SelectionConfig {
        SelectionConfig(size: .count(count), strategies: [
            StrategyEntry(input: .metadata(key: "video_name"), strategy: SelectionStrategy(kind: .balance, distribution: .input)),
            strategy(.metadata(key: "w"), .weights),
            strategy(.embeddings(task: nil), .diversity, strength: 0.5),
        ], constraints: constraints)
    }

    static func picksByVideo(_ result: SelectionResult, _ inputs: SelectionInputs) -> [String: [Int]] {
        Dictionary(grouping: result.selectedFrames, by: { inputs.frames[$0].video ?? "" })
            .mapValues { $0.map { inputs.frames[$0].index ?? -1 }.sorted() }
    }

    @Test func constraintsHoldExactlyWhereBalanceMissesThem() throws {
        let inputs = try Self.inputs()
        // Soft BALANCE by the input distribution gives c (3 of 101 frames) less than half a frame.
        let soft = Self.picksByVideo(try Selector.select(Self.config(count: 16, constraints: nil), inputs: inputs), inputs)
        #expect(soft["c", default: []].count < 2, "\(soft)")

        let constraints = SelectionConstraints(perVideoMin: 2, perVideoMax: 12, minFrameGap: 8)
        let result = try Selector.select(Self.config(count: 16, constraints: constraints), inputs: inputs)
        let hard = Self.picksByVideo(result, inputs)
        #expect(result.selectedFrames.count == 16)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        for video in ["a", "b", "c"] {
            let indices = hard[video, default: []]
            #expect((2 ... 12).contains(indices.count), "\(video): \(indices)")
            for (earlier, later) in zip(indices, indices.dropFirst()) { #expect(later - earlier >= 8, "\(video): \(indices)") }
        }
        // The lazy greedy and the exhaustive one agree under constraints too.
        let exhaustive = try Selector.select(
            Self.config(count: 16, constraints: constraints), inputs: inputs, options: SelectionOptions(evaluatesLazily: false))
        #expect(exhaustive.selectedFrames == result.selectedFrames)
    }

    @Test func everyConstraintThatCannotHoldIsNamed() throws {
        let inputs = try Self.inputs()
        func message(_ count: Int, _ constraints: SelectionConstraints) -> String? {
            do {
                _ = try Selector.select(Self.config(count: count, constraints: constraints), inputs: inputs)
                return nil
            } catch let error as SelectionError {
                return error.description
            } catch {
                return "unexpected \(error)"
            }
        }
        let perVideo = message(16, SelectionConstraints(perVideoMin: 3, minFrameGap: 8))
        #expect(perVideo?.hasPrefix("constraints.per_video_min: video 'c' has 3 candidate frames, of which at most 2") == true, "\(perVideo ?? "")")
        let total = message(5, SelectionConstraints(perVideoMin: 2))
        #expect(total == "constraints.per_video_min: 3 videos × 2 = 6 frames, more than the 5 to select")
        let room = message(16, SelectionConstraints(perVideoMax: 2, minFrameGap: 8))
        #expect(room == "constraints.per_video_max: at most 6 frames can be selected under per_video_max 2 and min_frame_gap 8; the selection asks for 16")
    }

    @Test func askingForEverythingTakesAsManyAsTheConstraintsAllow() throws {
        let inputs = try Self.inputs()
        let result = try Selector.select(
            Self.config(count: -1, constraints: SelectionConstraints(perVideoMax: 5, minFrameGap: 8)), inputs: inputs)
        let byVideo = Self.picksByVideo(result, inputs)
        #expect(result.stopReason == .exhausted)
        #expect(byVideo["a"]?.count == 5)
        // Every video is full: at its maximum, or no candidate left that keeps the gap.
        for (video, picks) in byVideo {
            #expect(picks.count <= 5)
            for (earlier, later) in zip(picks, picks.dropFirst()) { #expect(later - earlier >= 8, "\(video): \(picks)") }
            let candidates = inputs.frames.filter { $0.video == video }.compactMap(\.index)
            let addable = candidates.filter { index in picks.allSatisfy { abs($0 - index) >= 8 } }
            #expect(picks.count == 5 || addable.isEmpty, "\(video): \(picks), could add \(addable)")
        }
    }

    @Test func constraintsAndRoundAreValidatedLikeTheOtherKeys() {
        let base = #""n_samples": 5, "strategies": [{"input": {"type": "RANDOM"}, "strategy": {"type": "WEIGHTS"}}]"#
        #expect(configError("{\(base), \"constraints\": {\"per_video_mn\": 1}}")
            == "constraints.per_video_mn: unknown key 'per_video_mn'. Did you mean 'per_video_min'?")
        #expect(configError("{\(base), \"constraints\": {\"per_video_min\": 4, \"per_video_max\": 3}}")
            == "constraints.per_video_min: 4 is more than per_video_max 3")
        #expect(configError("{\(base), \"constraints\": {\"min_frame_gap\": 0}}") == "constraints.min_frame_gap: must be at least 1, got 0")
        #expect(configError("{\(base), \"round\": 0}") == "round: must be at least 1, got 0")
        #expect(configError("{\(base), \"rounds\": 2}") == "rounds: unknown key 'rounds'. Did you mean 'round'?")
        #expect((try? decodeConfig("{\(base), \"round\": 2}"))?.round == 2)
        let constraints = try? decodeConfig("{\(base), \"constraints\": {\"per_video_min\": 1, \"min_frame_gap\": 30}}").constraints
        #expect(constraints == SelectionConstraints(perVideoMin: 1, minFrameGap: 30))
    }
}
