import Foundation

/// The greedy combiner of the Lightly Worker, done locally (docs/selection.md, "Decisions").
///
/// THRESHOLD strategies filter first. Then, one unit (frame or sequence) per step, every remaining
/// candidate gets a factor per strategy and the candidate with the largest product
/// Π factorˢᵗʳᵉⁿᵍᵗʰ is picked; ties go to a seeded random order. DIVERSITY and BALANCE factors
/// depend on what is already selected (datapool included); the others are fixed.
///
/// ```swift
/// let result = try Selector.select(config, inputs: inputs, options: SelectionOptions(seed: 0))
/// let names = result.selectedFrames.map { inputs.frames[$0].name }
/// ```
public enum Selector {
    /// Selects frames.
    /// - Throws: ``SelectionError`` when ``SelectionConfig/validate(against:sequenceLength:)`` finds
    ///   problems (code `configMismatch`, or `invalidInput` for inconsistent inputs).
    public static func select(
        _ config: SelectionConfig, inputs: SelectionInputs, options: SelectionOptions = SelectionOptions()
    ) throws -> SelectionResult {
        let issues = config.validate(against: inputs, sequenceLength: options.sequenceLength)
        guard issues.isEmpty else {
            let code: SelectionError.Code = issues.contains { $0.location == .inputs } ? .invalidInput : .configMismatch
            throw SelectionError(code, issues: issues)
        }
        return try SelectionRun(config: config, inputs: inputs, options: options).run()
    }

    /// The combined score of the Lightly docs: Π factorᵢ^strengthᵢ (a strength of 0 ignores its
    /// factor). With factors (1, 0.3), (0.8, 0.8), (0.5, 1.0) and strengths 1 the products are
    /// 0.3, 0.64 and 0.5, so the second candidate wins.
    public static func combinedScore(factors: [Double], strengths: [Double]) -> Double {
        exp(zip(factors, strengths).reduce(0) { $0 + logFactor($1.0, strength: $1.1) })
    }

    static func logFactor(_ factor: Double, strength: Double) -> Double {
        strength == 0 ? 0 : strength * log(max(factor, 1e-300))
    }
}

// One run of the greedy: resolves the strategies to per-unit factors, then picks.
final class SelectionRun {
    static let weightFloor = 0.01
    static let distanceFloor = 1e-9

    struct Diversity {
        let entry: Int
        let state: DiversityState
        let strength: Double
        let minimumDistance: Double?
    }

    struct Balance {
        let entry: Int
        let state: BalanceState
        let strength: Double
    }

    struct SumStop {
        let values: [Double]
        let limit: Double
        let minimum: Double?
        var sum = 0.0
    }

    let config: SelectionConfig
    let inputs: SelectionInputs
    let options: SelectionOptions
    let units: SelectionUnits
    var warnings: [String] = []
    var inputValues: [[Double]?]
    /// Per entry and unit, the fixed factor (WEIGHTS, SIMILARITY, TYPICALITY); nil for the others.
    var staticFactors: [[Double]?]
    var staticLog: [Double]
    var candidates: [Int]
    var diversities: [Diversity] = []
    var balances: [Balance] = []
    var sumStops: [SumStop] = []
    /// `constraints`, set up when the greedy starts (they need the count).
    var constraints: ConstraintState?
    let rank: [UInt64]

    init(config: SelectionConfig, inputs: SelectionInputs, options: SelectionOptions) throws {
        self.config = config
        self.inputs = inputs
        self.options = options
        let units = SelectionUnits(frames: inputs.frames, length: options.sequenceLength)
        self.units = units
        inputValues = Array(repeating: nil, count: config.strategies.count)
        staticFactors = Array(repeating: nil, count: config.strategies.count)
        staticLog = Array(repeating: 0, count: units.count)
        rank = units.frames.map { frames in
            SeededRandom.mix(options.seed ^ SeededRandom.hash(inputs.frames[frames[0]].name))
        }
        candidates = (0 ..< units.count).filter { !units.isDatapool[$0] }
        if units.droppedFrames > 0 {
            warnings.append("\(units.droppedFrames) frames at video ends do not fill a sequence of \(options.sequenceLength) and are not candidates")
        }
        if config.lightlyPathRegex != nil { warnings.append("lightly_path_regex is accepted but not used") }
        try resolveStrategies()
    }

    // MARK: Resolving inputs

    func frameValues(_ input: SelectionInput) -> [Double]? {
        let frames = inputs.frames
        switch input {
        case .scores(let name, let score):
            guard let task = inputs.task(named: name) else { return nil }
            return ScoreCatalog.frameScores(score, of: task, frames: frames)
        case .metadata(let key):
            guard inputs.metadataKind(of: key) == .numeric else { return nil }
            return frames.map { $0.metadata[key]?.numericValue ?? .nan }
        case .predictions(let name, .categoryCount, let categories):
            guard let task = inputs.task(named: name) else { return nil }
            let wanted = categories.map(Set.init)
            return task.detections.map { detections in
                Double(detections.filter { wanted?.contains(task.categories[$0.categoryID] ?? "") ?? true }.count)
            }
        case .random(let seed):
            let seed = seed.map { UInt64(bitPattern: Int64($0)) } ?? options.seed
            return frames.map { SeededRandom.unit(seed: seed, key: SeededRandom.hash($0.name)) }
        default:
            return nil
        }
    }

    func resolveStrategies() throws {
        // THRESHOLD first: it only removes candidates.
        for (index, entry) in config.strategies.enumerated() where entry.strategy.kind == .threshold {
            guard let values = frameValues(entry.input), let operation = entry.strategy.operation,
                  let threshold = entry.strategy.threshold else { continue }
            inputValues[index] = values
            let unitValues = units.means(of: values)
            candidates.removeAll { !operation.passes(unitValues[$0], threshold: threshold) }
        }
        for (index, entry) in config.strategies.enumerated() {
            let strategy = entry.strategy
            switch strategy.kind {
            case .threshold:
                continue
            case .weights:
                guard let values = frameValues(entry.input) else { continue }
                inputValues[index] = values
                let unitValues = units.means(of: values)
                setStatic(index, weightFactors(unitValues), strength: strategy.strength)
                if let limit = strategy.maxSum ?? strategy.targetRange?.upperBound {
                    sumStops.append(SumStop(values: unitValues, limit: limit, minimum: strategy.targetRange?.lowerBound))
                }
            case .similarity:
                guard case .queryEmbeddings(let id, let tag) = entry.input,
                      let query = inputs.queryEmbeddings[SelectionInputs.queryKey(datasetID: id, tagName: tag)],
                      let frames = unitFrameEmbeddings() else { continue }
                setStatic(index, similarityFactors(frames, query: query), strength: strategy.strength)
            case .typicality:
                guard let frames = unitFrameEmbeddings() else { continue }
                let factors = typicalityFactors(frames, neighbours: strategy.nearestNeighbors ?? 20)
                setStatic(index, factors, strength: strategy.strength)
                if let minimum = strategy.minimumTypicality {
                    candidates.removeAll { factors[$0] < minimum }
                }
            case .diversity:
                guard let state = diversityState(entry.input) else { continue }
                for unit in 0 ..< units.count where units.isDatapool[unit] { state.select(unit) }
                diversities.append(Diversity(
                    entry: index, state: state, strength: strategy.strength, minimumDistance: strategy.minimumDistance))
            case .balance:
                guard let state = balanceState(entry) else { continue }
                balances.append(Balance(entry: index, state: state, strength: strategy.strength))
            }
        }
    }

    func setStatic(_ entry: Int, _ factors: [Double], strength: Double) {
        staticFactors[entry] = factors
        for unit in 0 ..< units.count { staticLog[unit] += Selector.logFactor(factors[unit], strength: strength) }
    }

    // WEIGHTS: the value's position in the candidates' range, (v − min) / (max − min), so neither
    // the input's scale nor its offset matters (object_frequency lives in [0.9, 1]); never below
    // weightFloor, so the lowest-valued candidate is strongly disfavoured but not excluded. NaN
    // counts as the minimum; a constant input gives 1 everywhere.
    func weightFactors(_ values: [Double]) -> [Double] {
        let finite = candidates.map { values[$0] }.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max(), high > low else {
            return values.map { _ in 1 }
        }
        return values.map { value in
            guard value.isFinite else { return Self.weightFloor }
            return max(Self.weightFloor, min(1, (value - low) / (high - low)))
        }
    }

    // SIMILARITY: 1 − d / d_max, d the distance to the nearest query embedding.
    func similarityFactors(_ frames: EmbeddingMatrix, query: EmbeddingMatrix) -> [Double] {
        let distances = (0 ..< frames.count).map { unit in
            Double((0 ..< query.count).map { Distance.squared(frames.row(unit), query.row($0)) }.min() ?? 0).squareRoot()
        }
        let largest = candidates.map { distances[$0] }.max() ?? 0
        return distances.map { largest > 0 ? max(Self.weightFloor, 1 - $0 / largest) : 1 }
    }

    // TYPICALITY: the inverse of the mean distance to the k nearest other units, divided by its
    // largest value, so the most typical unit has 1.
    func typicalityFactors(_ frames: EmbeddingMatrix, neighbours: Int) -> [Double] {
        let count = frames.count
        let k = min(neighbours, count - 1)
        guard k > 0 else { return Array(repeating: 1, count: count) }
        let meanDistances = (0 ..< count).map { unit -> Double in
            var distances = (0 ..< count).filter { $0 != unit }.map { Double(Distance.squared(frames.row(unit), frames.row($0)).squareRoot()) }
            distances.sort()
            return distances.prefix(k).reduce(0, +) / Double(k)
        }
        let smallest = meanDistances.min() ?? 0
        return meanDistances.map { $0 > 0 ? smallest / $0 : 1 }
    }

    /// Frame embeddings per unit: the mean over a sequence's frames.
    func unitFrameEmbeddings() -> EmbeddingMatrix? {
        guard let frames = inputs.frameEmbeddings else { return nil }
        if options.sequenceLength == 1 { return frames }
        var offsets = [0], order: [Int] = []
        for unit in units.frames { order.append(contentsOf: unit); offsets.append(order.count) }
        var reordered: [Float] = []
        reordered.reserveCapacity(order.count * frames.dimension)
        for frame in order { reordered.append(contentsOf: frames.row(frame)) }
        return EmbeddingMatrix(unchecked: frames.dimension, reordered).groupMeans(offsets: offsets)
    }

    func diversityState(_ input: SelectionInput) -> DiversityState? {
        switch input {
        case .embeddings(nil):
            guard let matrix = unitFrameEmbeddings() else { return nil }
            return DiversityState(matrix: matrix, unitRows: (0 ..< units.count).map { [$0] })
        case .embeddings(let name?):
            guard let task = inputs.task(named: name), let matrix = task.objectEmbeddings else { return nil }
            var frameStart = [0]
            frameStart.reserveCapacity(task.detections.count + 1)
            for detections in task.detections { frameStart.append(frameStart[frameStart.count - 1] + detections.count) }
            let rows = units.frames.map { frames in frames.flatMap { Array(frameStart[$0] ..< frameStart[$0 + 1]) } }
            return DiversityState(matrix: matrix, unitRows: rows)
        default:
            return nil
        }
    }

    func balanceState(_ entry: StrategyEntry) -> BalanceState? {
        // Per-frame weights over category names.
        var frameWeights: [[(String, Double)]]
        switch entry.input {
        case .metadata(let key):
            frameWeights = inputs.frames.map { [($0.metadata[key]?.categoryName ?? "<missing>", 1)] }
        case .predictions(let name, .classDistribution, let categories):
            guard let task = inputs.task(named: name) else { return nil }
            let ids = task.categories.keys.sorted()
            let wanted = categories.map(Set.init)
            frameWeights = task.detections.map { detections in
                var sums: [String: Double] = [:]
                for detection in detections {
                    if let probabilities = detection.probabilities, probabilities.count == ids.count {
                        for (position, id) in ids.enumerated() { sums[task.categories[id] ?? "", default: 0] += probabilities[position] }
                    } else {
                        sums[task.categories[detection.categoryID] ?? String(detection.categoryID), default: 0] += 1
                    }
                }
                return sums.filter { wanted?.contains($0.key) ?? true }.sorted { $0.key < $1.key }
            }
        default:
            return nil
        }
        // A sequence is weighted by the sum over its frames; metadata sequences take the first frame's category.
        let unitWeights: [[(String, Double)]] = units.frames.map { frames in
            if case .metadata = entry.input { return frameWeights[frames[0]] }
            var sums: [String: Double] = [:]
            for frame in frames { for (name, weight) in frameWeights[frame] { sums[name, default: 0] += weight } }
            return sums.sorted { $0.key < $1.key }
        }
        let datapool = (0 ..< units.count).filter { units.isDatapool[$0] }
        let population = datapool + candidates
        var names: [String]
        var targets: [Double]
        var present: [String: Double] = [:]
        for unit in population { for (name, weight) in unitWeights[unit] { present[name, default: 0] += weight } }
        switch entry.strategy.distribution ?? .target {
        case .target:
            let target = entry.strategy.target ?? [:]
            names = target.keys.sorted()
            targets = names.map { target[$0] ?? 0 }
            let unknown = names.filter { present[$0] == nil }
            if !unknown.isEmpty {
                warnings.append("BALANCE target categories not in the input: " + unknown.joined(separator: ", "))
            }
            names.append("<other>")
            targets.append(max(0, 1 - targets.reduce(0, +)))
        case .uniform:
            names = present.keys.sorted()
            targets = names.map { _ in 1 / Double(max(names.count, 1)) }
        case .input:
            names = present.keys.sorted()
            let total = present.values.reduce(0, +)
            targets = names.map { total > 0 ? (present[$0] ?? 0) / total : 0 }
        }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let other = names.count - 1
        let weights = unitWeights.map { entries in
            entries.map { (category: index[$0.0] ?? other, weight: $0.1) }
        }
        return BalanceState(names: names, targets: targets, weights: weights, candidates: candidates, datapool: datapool)
    }

    // MARK: The greedy

    func run() throws -> SelectionResult {
        let totalFrames = candidates.count * options.sequenceLength
        var limit: Int
        switch config.size {
        case .count(let count):
            limit = count < 0 ? Int.max : count / options.sequenceLength
            if count >= 0, count > totalFrames {
                warnings.append("asked for \(count) frames but only \(totalFrames) candidates remain; selecting all of them")
            }
        case .proportion(let fraction):
            let frames = Int((fraction * Double(inputs.frames.count(where: { !$0.isInDatapool }))).rounded())
            limit = (frames + options.sequenceLength - 1) / options.sequenceLength
        }
        if let constraints = config.constraints {
            // Asking for every candidate (or more) is no count to reach: as many as the constraints allow.
            self.constraints = try ConstraintState(
                constraints, frames: inputs.frames, candidates: candidates, count: limit < candidates.count ? limit : nil)
        }
        limit = min(limit, candidates.count)
        var picks: [SelectionResult.Pick] = []
        var stop = SelectionResult.StopReason.reachedCount
        var greedy = Greedy(run: self)
        while picks.count < limit {
            guard let unit = greedy.next() else {
                stop = greedy.droppedForDistance ? .minimumDistance : .exhausted
                break
            }
            picks.append(pick(unit))
            greedy.commit(unit)
            if sumStopsReached() {
                stop = .maxSum
                break
            }
        }
        if let short = constraints?.videosShort, !short.isEmpty {
            warnings.append("constraints.per_video_min not met (the selection stopped: \(stop.rawValue)) for videos: " + short.joined(separator: ", "))
        }
        for stop in sumStops {
            if let minimum = stop.minimum, stop.sum < minimum {
                warnings.append("WEIGHTS target_range: the selected sum \(stop.sum) is below min_sum \(minimum)")
            }
        }
        return SelectionResult(picks: picks, inputValues: inputValues, warnings: warnings, stopReason: stop)
    }

    func sumStopsReached() -> Bool {
        sumStops.contains { $0.sum >= $0.limit }
    }

    func pick(_ unit: Int) -> SelectionResult.Pick {
        var factors = [Double](repeating: 1, count: config.strategies.count)
        var score = staticLog[unit]
        for (entry, values) in staticFactors.enumerated() { if let values { factors[entry] = values[unit] } }
        for diversity in diversities {
            let distance = diversity.state.evaluate(unit)
            factors[diversity.entry] = distance
            score += diversityLog(diversity, distance: distance)
        }
        for balance in balances {
            let factor = balance.state.factor(of: unit, categoryFactors: balance.state.categoryFactors())
            factors[balance.entry] = factor
            score += Selector.logFactor(factor, strength: balance.strength)
        }
        for index in sumStops.indices { sumStops[index].sum += sumStops[index].values[unit] }
        return SelectionResult.Pick(frames: units.frames[unit], factors: factors, logScore: score)
    }

    func diversityLog(_ diversity: Diversity, distance: Double) -> Double {
        // Before anything is selected every unit with embeddings is equally far (factor 1).
        let factor = distance == .infinity ? 1 : max(distance, Self.distanceFloor)
        return Selector.logFactor(factor, strength: diversity.strength)
    }

    /// The unit's log score without BALANCE, and whether DIVERSITY's minimum distance allows it.
    ///
    /// With `mustBeat`, a caller that only needs to know whether the score beats it may get an
    /// upper bound instead (`isExact` false, score at most about `mustBeat`); the work saved is the
    /// distance updates of rows that cannot lift the score above it. Only a single DIVERSITY of
    /// positive strength without a minimum distance takes the shortcut, so eligibility is always
    /// decided on exact distances.
    func evaluate(_ unit: Int, mustBeat: Double? = nil) -> (score: Double, isEligible: Bool, isExact: Bool) {
        var score = staticLog[unit]
        var isEligible = true, isExact = true
        for diversity in diversities {
            var cutoff: Double?
            if let mustBeat, diversities.count == 1, diversity.strength > 0, diversity.minimumDistance == nil {
                // staticLog + strength · log(d) > mustBeat  ⇔  d > exp((mustBeat − staticLog) / strength)
                let distance = exp((mustBeat - staticLog[unit]) / diversity.strength)
                cutoff = distance.isFinite ? distance : nil
            }
            let (distance, exact) = diversity.state.bound(unit, cutoff: cutoff)
            if let minimum = diversity.minimumDistance, distance < minimum { isEligible = false }
            score += diversityLog(diversity, distance: distance)
            isExact = isExact && exact
        }
        return (score, isEligible, isExact)
    }
}
