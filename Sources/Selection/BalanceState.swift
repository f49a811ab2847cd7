// BALANCE state. Categories are indexed 0..<K; each unit carries weights over them (one category
// with weight 1 for metadata, object counts per class for CLASS_DISTRIBUTION).
//
// Factor of category k at a step, with counts c (datapool and picks so far), N = Σc and target t:
//   deficit d_k = t_k · (N + 1) − c_k      (how far k lags behind its target after one more pick)
//   D = max d_k over categories that still have candidates
//   s_k = clamp(d_k − D + 1, floor, 1)
// Only categories within one sample of the largest deficit get a real factor; the others get
// `floor` (1e-100), which no product of the other strategies can outweigh. So while candidates
// exist in the lagging category, the counts stay within one sample of the target.
final class BalanceState {
    static let floor = 1e-100

    let names: [String]
    let targets: [Double]
    /// Per unit: (category, weight) pairs.
    let weights: [[(category: Int, weight: Double)]]
    let isSingleCategory: Bool
    private(set) var counts: [Double]
    private var remaining: [Int]

    init(names: [String], targets: [Double], weights: [[(category: Int, weight: Double)]], candidates: [Int], datapool: [Int]) {
        self.names = names
        self.targets = targets
        self.weights = weights
        isSingleCategory = weights.allSatisfy { $0.count == 1 && $0[0].weight == 1 }
        counts = [Double](repeating: 0, count: names.count)
        remaining = [Int](repeating: 0, count: names.count)
        for unit in datapool { add(unit) }
        for unit in candidates { for (category, _) in weights[unit] { remaining[category] += 1 } }
    }

    /// The factor of every category at the current step.
    func categoryFactors() -> [Double] {
        let total = counts.reduce(0, +)
        let deficits = targets.indices.map { targets[$0] * (total + 1) - counts[$0] }
        let open = deficits.indices.filter { remaining[$0] > 0 }
        let largest = (open.isEmpty ? Array(deficits.indices) : open).map { deficits[$0] }.max() ?? 0
        return deficits.map { min(1, max(Self.floor, $0 - largest + 1)) }
    }

    /// The unit's factor: the weighted mean of its categories' factors.
    func factor(of unit: Int, categoryFactors: [Double]) -> Double {
        let entries = weights[unit]
        let mass = entries.reduce(0) { $0 + $1.weight }
        guard mass > 0 else { return Self.floor }
        return max(Self.floor, entries.reduce(0) { $0 + $1.weight / mass * categoryFactors[$1.category] })
    }

    /// Records a pick.
    func select(_ unit: Int) {
        add(unit)
        withdraw(unit)
    }

    /// Removes a unit from the candidates without selecting it.
    func withdraw(_ unit: Int) {
        for (category, _) in weights[unit] { remaining[category] -= 1 }
    }

    private func add(_ unit: Int) {
        for (category, weight) in weights[unit] { counts[category] += weight }
    }
}
