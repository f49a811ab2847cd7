import Selection
import TestSupport
import Testing

/// The lazy greedy against picks recorded from the implementation before its bounds were
/// tightened and its kernels rewritten (commit 68b7c87): same scene, same seed, same picks.
@Suite struct GreedyEquivalenceTests {
    /// 3,000 frames in 12 videos, 0 to 8 objects each with 16-dimensional embeddings around 40
    /// clusters, a weight per frame; 5 frames in the datapool.
    static func scene() throws -> SelectionInputs {
        var random = TestRandom(state: 42)
        let dimension = 16, clusters = 40
        let centres = (0 ..< clusters * dimension).map { _ in Float(random.unit() * 2 - 1) }
        var detections: [[Detection]] = [], vectors: [Float] = [], frames: [Frame] = []
        for index in 0 ..< 3000 {
            let people = random.int(0 ..< 9)
            let cluster = random.int(0 ..< clusters)
            detections.append((0 ..< people).map { _ in Detection(categoryID: 1, score: random.unit()) })
            for _ in 0 ..< people {
                let own = random.int(0 ..< 4) == 0 ? random.int(0 ..< clusters) : cluster
                for d in 0 ..< dimension { vectors.append(centres[own * dimension + d] + Float(random.unit() - 0.5) * 0.4) }
            }
            frames.append(Frame(
                name: "f\(index)", video: "v\(index % 12)",
                metadata: ["video": .string("v\(index % 12)"), "w": .number(0.05 + random.unit())],
                isInDatapool: index % 600 == 7))
        }
        let task = TaskPredictions(
            name: "kp", type: .keypointDetection, categories: [1: "person"], detections: detections,
            objectEmbeddings: try EmbeddingMatrix(dimension: dimension, values: vectors))
        return SelectionInputs(frames: frames, tasks: [task])
    }

    static let config = SelectionConfig(size: .count(150), strategies: [
        strategy(.embeddings(task: "kp"), .diversity),
        strategy(.metadata(key: "w"), .weights),
        StrategyEntry(input: .metadata(key: "video"), strategy: SelectionStrategy(kind: .balance, distribution: .uniform)),
    ])

    /// Picks of the implementation at commit 68b7c87 (exhaustive row updates, one SIMD8 sum at a
    /// time) for seed 3.
    static let recordedPicks = [
        1822, 304, 465, 445, 2271, 1886, 438, 224, 2556, 809, 2975, 980, 1069, 2910, 724, 2985, 785, 2234, 1018, 815,
        84, 195, 1636, 777, 1407, 1670, 1332, 2974, 2252, 1333, 1277, 2262, 2807, 1563, 1680, 26, 2200, 716, 385, 45,
        370, 1127, 881, 1602, 2488, 741, 1642, 1796, 409, 1481, 1791, 150, 506, 2460, 1163, 2695, 76, 1016, 110, 2581,
        1773, 994, 2352, 2825, 90, 315, 2135, 2875, 2932, 1268, 2401, 1565, 46, 1020, 474, 669, 1982, 1475, 1959, 2455,
        232, 829, 1410, 1412, 233, 1872, 1430, 82, 2291, 2991, 393, 2731, 1369, 174, 496, 946, 212, 2009, 2210, 899,
        2967, 189, 1128, 43, 1441, 1794, 1552, 260, 2342, 131, 1284, 341, 1581, 2098, 2511, 1711, 2749, 1974, 820, 2762,
        2204, 1379, 876, 1157, 2175, 2097, 2830, 1758, 1855, 1112, 916, 2615, 2870, 49, 624, 2849, 1947, 981, 742, 2335,
        2440, 1199, 1556, 1938, 2161, 1236, 1707, 1661, 2630, 2121,
    ]

    @Test func lazyPicksEqualTheRecordedOnes() throws {
        let result = try Selector.select(Self.config, inputs: try Self.scene(), options: SelectionOptions(seed: 3))
        #expect(result.selectedFrames == Self.recordedPicks)
    }

    @Test func lazyAndExactAgreeOnPicksAndFactors() throws {
        let inputs = try Self.scene()
        let lazy = try Selector.select(Self.config, inputs: inputs, options: SelectionOptions(seed: 3, evaluatesLazily: true))
        let exact = try Selector.select(Self.config, inputs: inputs, options: SelectionOptions(seed: 3, evaluatesLazily: false))
        #expect(lazy.selectedFrames == exact.selectedFrames)
        #expect(lazy.picks.map(\.factors) == exact.picks.map(\.factors))
    }
}
