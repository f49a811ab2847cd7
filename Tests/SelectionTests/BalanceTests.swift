import Selection
import TestSupport
import Testing

@Suite struct BalanceTests {
    /// Frames in categories (metadata key "c") with random weights "w" that fight the balance.
    static func frames(_ counts: [String: Int], datapool: [String: Int] = [:], seed: UInt64 = 1) -> [Frame] {
        var random = TestRandom(state: seed)
        var frames: [Frame] = []
        for (category, count) in counts.sorted(by: { $0.key < $1.key }) {
            for index in 0 ..< count {
                frames.append(Frame(
                    name: "\(category)\(index)",
                    metadata: ["c": .string(category), "w": .number(category == "a" ? 1 : random.unit())],
                    isInDatapool: index < datapool[category, default: 0]))
            }
        }
        return frames
    }

    static func select(_ frames: [Frame], _ balance: SelectionStrategy, count: Int) throws -> [String] {
        let config = SelectionConfig(size: .count(count), strategies: [
            StrategyEntry(input: .metadata(key: "c"), strategy: balance),
            strategy(.metadata(key: "w"), .weights, strength: 3),
        ])
        let result = try Selector.select(config, inputs: SelectionInputs(frames: frames))
        return result.selectedFrames.map { frames[$0].metadata["c"]?.categoryName ?? "" }
    }

    /// Every prefix of the picks stays within one sample of the target.
    static func expectWithinOne(_ picks: [String], target: [String: Double], preselected: [String: Int] = [:]) {
        var counts = preselected
        for (step, category) in picks.enumerated() {
            counts[category, default: 0] += 1
            let total = Double(step + 1 + preselected.values.reduce(0, +))
            for (name, fraction) in target {
                #expect(abs(Double(counts[name, default: 0]) - fraction * total) <= 1 + 1e-9, "step \(step): \(counts)")
            }
        }
    }

    @Test func targetIsReachedWithinOneSample() throws {
        let target = ["a": 0.5, "b": 0.3, "c": 0.2]
        let picks = try Self.select(Self.frames(["a": 40, "b": 40, "c": 40]), SelectionStrategy(kind: .balance, target: target), count: 30)
        #expect(picks.count { $0 == "a" } == 15 && picks.count { $0 == "b" } == 9 && picks.count { $0 == "c" } == 6)
        Self.expectWithinOne(picks, target: target)
    }

    @Test func uniformTakesAllOfAScarceCategory() throws {
        let picks = try Self.select(Self.frames(["a": 20, "b": 5, "c": 20]), SelectionStrategy(kind: .balance, distribution: .uniform), count: 30)
        let (a, b, c) = (picks.count { $0 == "a" }, picks.count { $0 == "b" }, picks.count { $0 == "c" })
        #expect(b == 5)
        #expect(abs(a - c) <= 1 && a + c == 25)
    }

    @Test func inputKeepsTheInputDistribution() throws {
        let picks = try Self.select(Self.frames(["a": 30, "b": 10]), SelectionStrategy(kind: .balance, distribution: .input), count: 8)
        #expect(picks.count { $0 == "a" } == 6)
        Self.expectWithinOne(picks, target: ["a": 0.75, "b": 0.25])
    }

    @Test func targetsBelowOneLeaveTheRestToOtherCategories() throws {
        let picks = try Self.select(Self.frames(["a": 30, "b": 30, "c": 30]), SelectionStrategy(kind: .balance, target: ["b": 0.5]), count: 20)
        #expect(picks.count { $0 == "b" } == 10)
        Self.expectWithinOne(picks, target: ["b": 0.5])
    }

    @Test func datapoolCountsTowardsTheTarget() throws {
        let frames = Self.frames(["a": 10, "b": 10], datapool: ["a": 4])
        let picks = try Self.select(frames, SelectionStrategy(kind: .balance, target: ["a": 0.5, "b": 0.5]), count: 4)
        #expect(picks == ["b", "b", "b", "b"])
    }

    @Test func strengthZeroDisablesBalance() throws {
        // Only the weights count: "a" has the largest weight everywhere.
        let picks = try Self.select(Self.frames(["a": 10, "b": 10]), SelectionStrategy(kind: .balance, strength: 0, target: ["a": 0.5, "b": 0.5]), count: 6)
        #expect(picks == Array(repeating: "a", count: 6))
    }

    @Test func classDistributionBalancesObjects() throws {
        // Frames hold either persons or balls; the target asks for as many balls as persons.
        let detections: [[Detection]] = (0 ..< 40).map { index in
            index < 30 ? [Detection(categoryID: 0, score: 0.9)] : [Detection(categoryID: 1, score: 0.9)]
        }
        let task = TaskPredictions(name: "det", type: .objectDetection, categories: [0: "person", 1: "ball"], detections: detections)
        let inputs = SelectionInputs(frames: (0 ..< 40).map { Frame(name: "f\($0)") }, tasks: [task])
        let config = SelectionConfig(size: .count(10), strategies: [
            StrategyEntry(input: .predictions(task: "det", name: .classDistribution, categories: nil),
                          strategy: SelectionStrategy(kind: .balance, target: ["person": 0.5, "ball": 0.5])),
        ])
        let selected = try Selector.select(config, inputs: inputs).selectedFrames
        #expect(selected.count { $0 >= 30 } == 5)
    }
}
