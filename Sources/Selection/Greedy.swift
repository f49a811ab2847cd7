// The greedy loop. Two ways to find the best candidate of a step, with the same result:
//
// * exact: evaluate every remaining candidate (always correct; used while nothing is selected, and
//   whenever a factor can grow as the selection grows: a negative DIVERSITY strength, or a
//   CLASS_DISTRIBUTION BALANCE whose factor mixes categories);
// * lazy: DIVERSITY distances only shrink, so a candidate's last evaluated score (without BALANCE)
//   is an upper bound of its current one. Candidates sit in one max-heap per combination of
//   BALANCE categories; the BALANCE factor is the same for a whole heap, so the best bound of a
//   step is the best heap top times its heap's BALANCE factor. The top candidate is re-evaluated
//   just far enough to tell whether it beats the best other bound; if it does, exactly, it is
//   picked, else it goes back with its new (possibly partial, still upper) bound.
//
// Both pick the exact best (score, then rank), so they agree pick for pick.
struct Greedy {
    let run: SelectionRun
    private(set) var droppedForDistance = false
    private var alive: [Int]
    private let canBeLazy: Bool
    private var isLazy = false
    private var heaps: [CandidateHeap] = []
    private var groupOfUnit: [Int] = []
    private var groupCategories: [[Int]] = []

    init(run: SelectionRun) {
        self.run = run
        alive = run.candidates
        canBeLazy = run.options.evaluatesLazily && run.diversities.allSatisfy { $0.strength >= 0 } && run.balances.allSatisfy(\.state.isSingleCategory)
    }

    mutating func next() -> Int? {
        if !isLazy, canBeLazy, run.diversities.allSatisfy({ $0.state.selectedCount > 0 }) { buildHeaps() }
        return isLazy ? nextLazy() : nextExact()
    }

    mutating func commit(_ unit: Int) {
        run.constraints?.select(unit)
        for diversity in run.diversities { diversity.state.select(unit) }
        for balance in run.balances { balance.state.select(unit) }
        if !isLazy, let position = alive.firstIndex(of: unit) { alive.remove(at: position) }
    }

    private func better(_ a: (Double, UInt64), than b: (Double, UInt64)) -> Bool {
        a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
    }

    private mutating func drop(_ unit: Int) {
        droppedForDistance = true
        withdraw(unit)
    }

    private func withdraw(_ unit: Int) {
        for balance in run.balances { balance.state.withdraw(unit) }
        run.constraints?.withdraw(unit)
    }

    /// Whether the constraints allow the unit. One they rule out is withdrawn for good: picks only
    /// tighten the constraints, and leaving a candidate out never breaks them.
    private func isAllowed(_ unit: Int) -> Bool {
        guard let constraints = run.constraints, !constraints.allows(unit) else { return true }
        withdraw(unit)
        return false
    }

    // MARK: Exact

    private mutating func nextExact() -> Int? {
        if run.constraints != nil { alive = alive.filter(isAllowed) }
        let categoryFactors = run.balances.map { $0.state.categoryFactors() }
        var best: (key: (Double, UInt64), unit: Int)?
        var kept: [Int] = []
        kept.reserveCapacity(alive.count)
        for unit in alive {
            let (base, isEligible, _) = run.evaluate(unit)
            guard isEligible else {
                drop(unit)
                continue
            }
            kept.append(unit)
            var total = base
            for (index, balance) in run.balances.enumerated() {
                let factor = balance.state.factor(of: unit, categoryFactors: categoryFactors[index])
                total += Selector.logFactor(factor, strength: balance.strength)
            }
            let key = (total, run.rank[unit])
            if best == nil || better(key, than: best!.key) { best = (key, unit) }
        }
        alive = kept
        return best?.unit
    }

    // MARK: Lazy

    private mutating func buildHeaps() {
        isLazy = true
        var groups: [[Int]: Int] = [:]
        groupOfUnit = Array(repeating: -1, count: run.units.count)
        for unit in alive {
            let categories = run.balances.map { $0.state.weights[unit][0].category }
            let group: Int
            if let existing = groups[categories] {
                group = existing
            } else {
                group = groupCategories.count
                groups[categories] = group
                groupCategories.append(categories)
                heaps.append(CandidateHeap())
            }
            groupOfUnit[unit] = group
        }
        var entries = Array(repeating: [CandidateHeap.Entry](), count: heaps.count)
        for unit in alive {
            let (base, isEligible, _) = run.evaluate(unit)
            guard isEligible else {
                drop(unit)
                continue
            }
            entries[groupOfUnit[unit]].append(CandidateHeap.Entry(score: base, rank: run.rank[unit], unit: Int32(unit)))
        }
        for group in heaps.indices { heaps[group] = CandidateHeap(entries[group]) }
        alive = []
    }

    private func groupLogs() -> [Double] {
        let factors = run.balances.map { $0.state.categoryFactors() }
        return groupCategories.map { categories in
            var sum = 0.0
            for (index, balance) in run.balances.enumerated() {
                sum += Selector.logFactor(factors[index][categories[index]], strength: balance.strength)
            }
            return sum
        }
    }

    private mutating func nextLazy() -> Int? {
        var logs = groupLogs()
        while true {
            var bestGroup = -1
            var bestKey = (-Double.infinity, UInt64.max)
            for group in heaps.indices {
                guard let top = heaps[group].top else { continue }
                let key = (top.score + logs[group], top.rank)
                if bestGroup < 0 || better(key, than: bestKey) { (bestGroup, bestKey) = (group, key) }
            }
            guard bestGroup >= 0, let entry = heaps[bestGroup].pop() else { return nil }
            let unit = Int(entry.unit)
            guard isAllowed(unit) else {
                logs = groupLogs()
                continue
            }
            var rival: (Double, UInt64)?
            for group in heaps.indices {
                guard let top = heaps[group].top else { continue }
                let key = (top.score + logs[group], top.rank)
                if rival == nil || better(key, than: rival!) { rival = key }
            }
            let (base, isEligible, isExact) = run.evaluate(unit, mustBeat: rival.map { $0.0 - logs[bestGroup] })
            guard isEligible else {
                drop(unit)
                logs = groupLogs()
                continue
            }
            let key = (base + logs[bestGroup], entry.rank)
            if isExact, !(rival.map { better($0, than: key) } ?? false) { return unit }
            heaps[bestGroup].push(CandidateHeap.Entry(score: base, rank: entry.rank, unit: entry.unit))
        }
    }
}

// A binary max-heap of candidates by (score, then lower rank).
struct CandidateHeap {
    struct Entry {
        var score: Double
        var rank: UInt64
        var unit: Int32

        func isAbove(_ other: Entry) -> Bool {
            score > other.score || (score == other.score && rank < other.rank)
        }
    }

    private var entries: [Entry]

    init(_ entries: [Entry] = []) {
        self.entries = entries
        var index = entries.count / 2 - 1
        while index >= 0 {
            siftDown(index)
            index -= 1
        }
    }

    var top: Entry? { entries.first }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].isAbove(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let entry = entries.removeLast()
        siftDown(0)
        return entry
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var largest = parent
            if left < entries.count, entries[left].isAbove(entries[largest]) { largest = left }
            if right < entries.count, entries[right].isAbove(entries[largest]) { largest = right }
            if largest == parent { return }
            entries.swapAt(parent, largest)
            parent = largest
        }
    }
}
