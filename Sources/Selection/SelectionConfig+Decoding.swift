public import JSON

extension SelectionConfig {
    /// Reads the snake_case Lightly form straight from the parameter's value.
    /// - Throws: ``SelectionError`` with code `invalidConfig` at the key path of the first problem.
    public init(parsing value: JSONValue) throws(SelectionError) {
        do {
            self = try ConfigParser.parseConfig(Field(node: value, path: JSONPath()))
        } catch let error as SelectionError {
            throw error
        } catch {
            // The parser throws SelectionErrors only; this keeps the signature typed.
            throw SelectionError(.invalidConfig, at: .config(JSONPath()), "\(error)")
        }
    }
}

extension SelectionConfig: Decodable {
    /// Decodes the snake_case Lightly form (JSON or YAML text), as ``init(parsing:)`` reads it.
    /// - Throws: ``SelectionError`` with code `invalidConfig` naming the key path of the problem.
    public init(from decoder: any Decoder) throws {
        try self.init(parsing: JSONValue(from: decoder))
    }
}

// A value together with the key path that reached it.
struct Field {
    let node: JSONValue
    let path: JSONPath

    func child(_ key: String) -> JSONPath { path.appending(key) }

    func fail(_ message: String) -> SelectionError {
        SelectionError(.invalidConfig, at: .config(path), message)
    }

    /// The object's members, after rejecting keys not in `allowed`.
    func object(allowed: [String], context: String = "") throws -> [String: Field] {
        guard case .object(let members) = node else { throw fail("expected an object, got \(typeName)") }
        for key in members.keys.sorted() where !allowed.contains(key) {
            let hint = ClosestMatch.hint(for: key, in: allowed, listName: "allowed keys\(context)")
            throw SelectionError(.invalidConfig, at: .config(child(key)), "unknown key '\(key)'. \(hint)")
        }
        var fields: [String: Field] = [:]
        for (key, value) in members { fields[key] = Field(node: value, path: child(key)) }
        return fields
    }

    func string() throws -> String {
        guard case .string(let value) = node else { throw fail("expected a string, got \(typeName)") }
        return value
    }

    func number() throws -> Double {
        guard let value = node.doubleValue, value.isFinite else { throw fail("expected a number, got \(typeName)") }
        return value
    }

    func integer() throws -> Int {
        guard let value = node.doubleValue, value.rounded() == value, abs(value) < 9.0e15 else {
            throw fail("expected an integer, got \(describe())")
        }
        return node.intValue ?? Int(value)
    }

    func array() throws -> [Field] {
        guard case .array(let items) = node else { throw fail("expected a list, got \(typeName)") }
        return items.enumerated().map { Field(node: $1, path: path.appending(index: $0)) }
    }

    func enumValue<E: RawRepresentable & CaseIterable>(_: E.Type) throws -> E where E.RawValue == String {
        let raw = try string()
        if let value = E(rawValue: raw) { return value }
        let names = E.allCases.map(\.rawValue)
        throw fail("unknown value '\(raw)'. \(ClosestMatch.hint(for: raw, in: names))")
    }

    func describe() -> String {
        switch node {
        case .int(let value): "\(Double(value))"
        case .double(let value): "\(value)"
        case .string(let value): "'\(value)'"
        default: typeName
        }
    }

    var typeName: String { node.typeName }
}

enum ConfigParser {
    static let rootKeys = ["n_samples", "proportion_samples", "strategies", "lightly_path_regex", "auto_tasks", "constraints", "round"]

    static func parseConfig(_ root: Field) throws -> SelectionConfig {
        let fields = try root.object(allowed: rootKeys)
        let size: SelectionConfig.Size
        switch (fields["n_samples"], fields["proportion_samples"]) {
        case (let n?, nil):
            let count = try n.integer()
            guard count >= -1 else { throw n.fail("must be at least -1 (-1: no limit), got \(count)") }
            size = .count(count)
        case (nil, let p?):
            let fraction = try p.number()
            guard (0...1).contains(fraction) else { throw p.fail("must be between 0 and 1, got \(fraction)") }
            size = .proportion(fraction)
        case (.some, .some):
            throw root.fail("set exactly one of 'n_samples' and 'proportion_samples', not both")
        case (nil, nil):
            throw root.fail("set exactly one of 'n_samples' and 'proportion_samples'")
        }
        guard let strategiesField = fields["strategies"] else { throw root.fail("missing key 'strategies'") }
        let entries = try strategiesField.array()
        guard !entries.isEmpty else { throw strategiesField.fail("needs at least one strategy") }
        let strategies = try entries.map(parseEntry)
        var regex: String?
        if let field = fields["lightly_path_regex"] {
            regex = try field.string()
            if regex?.isEmpty == true { throw field.fail("must not be empty") }
        }
        let autoTasks = try fields["auto_tasks"].map { try $0.array().map(parseAutoTask) } ?? []
        let constraints = try fields["constraints"].map(parseConstraints)
        let round = try fields["round"].map { field in
            let value = try field.integer()
            guard value >= 1 else { throw field.fail("must be at least 1, got \(value)") }
            return value
        }
        return SelectionConfig(
            size: size, strategies: strategies, lightlyPathRegex: regex, autoTasks: autoTasks,
            constraints: constraints, round: round)
    }

    static func parseConstraints(_ field: Field) throws -> SelectionConstraints {
        let fields = try field.object(allowed: ["per_video_min", "per_video_max", "min_frame_gap"])
        func count(_ key: String, atLeast minimum: Int) throws -> Int? {
            guard let value = fields[key] else { return nil }
            let count = try value.integer()
            guard count >= minimum else { throw value.fail("must be at least \(minimum), got \(count)") }
            return count
        }
        let constraints = SelectionConstraints(
            perVideoMin: try count("per_video_min", atLeast: 0), perVideoMax: try count("per_video_max", atLeast: 1),
            minFrameGap: try count("min_frame_gap", atLeast: 1))
        if let low = constraints.perVideoMin, let high = constraints.perVideoMax, low > high, let field = fields["per_video_min"] {
            throw field.fail("\(low) is more than per_video_max \(high)")
        }
        return constraints
    }

    static func parseEntry(_ field: Field) throws -> StrategyEntry {
        let fields = try field.object(allowed: ["input", "strategy"])
        guard let inputField = fields["input"] else { throw field.fail("missing key 'input'") }
        guard let strategyField = fields["strategy"] else { throw field.fail("missing key 'strategy'") }
        let input = try parseInput(inputField)
        let strategy = try parseStrategy(strategyField)
        try checkCombination(input: input, strategy: strategy, field: field)
        return StrategyEntry(input: input, strategy: strategy)
    }

    // MARK: Inputs

    enum InputType: String, CaseIterable {
        case embeddings = "EMBEDDINGS", scores = "SCORES", metadata = "METADATA"
        case predictions = "PREDICTIONS", random = "RANDOM"
    }

    static let inputKeys: [InputType: [String]] = [
        .embeddings: ["type", "task", "dataset_id", "tag_name"],
        .scores: ["type", "task", "score"],
        .metadata: ["type", "key"],
        .predictions: ["type", "task", "name", "categories"],
        .random: ["type", "random_seed"],
    ]

    static func parseInput(_ field: Field) throws -> SelectionInput {
        guard case .object(let members) = field.node else { throw field.fail("expected an object, got \(field.typeName)") }
        guard let typeNode = members["type"] else { throw field.fail("missing key 'type'") }
        let type = try Field(node: typeNode, path: field.child("type")).enumValue(InputType.self)
        let fields = try field.object(allowed: inputKeys[type] ?? [], context: " for input type \(type.rawValue)")
        func required(_ key: String) throws -> Field {
            guard let value = fields[key] else { throw field.fail("input type \(type.rawValue) needs key '\(key)'") }
            return value
        }
        switch type {
        case .embeddings:
            switch (fields["task"], fields["dataset_id"], fields["tag_name"]) {
            case (let task?, nil, nil):
                return .embeddings(task: try taskName(task))
            case (nil, nil, nil):
                return .embeddings(task: nil)
            case (nil, let dataset?, let tag?):
                let id = try dataset.string()
                guard id.count == 24, id.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                    throw dataset.fail("must be 24 lowercase hex digits, got '\(id)'")
                }
                let tagName = try tag.string()
                guard isValidTagName(tagName) else {
                    throw tag.fail("must be at least 3 characters of letters, digits and ' .:;=@_-', starting with a letter or digit")
                }
                return .queryEmbeddings(datasetID: id, tagName: tagName)
            default:
                throw field.fail("EMBEDDINGS takes either 'task', or 'dataset_id' with 'tag_name', or neither")
            }
        case .scores:
            return .scores(task: try taskName(try required("task")), score: try taskName(try required("score")))
        case .metadata:
            let key = try required("key")
            let name = try key.string()
            guard !name.isEmpty else { throw key.fail("must not be empty") }
            return .metadata(key: name)
        case .predictions:
            let task = try taskName(try required("task"))
            let name = try required("name").enumValue(PredictionsName.self)
            var categories: [String]?
            if let field = fields["categories"] {
                let names = try field.array().map { try $0.string() }
                guard !names.isEmpty else { throw field.fail("needs at least one category") }
                guard Set(names).count == names.count else { throw field.fail("categories must be unique") }
                guard !names.contains(where: \.isEmpty) else { throw field.fail("category names must not be empty") }
                categories = names
            }
            return .predictions(task: task, name: name, categories: categories)
        case .random:
            return .random(seed: try fields["random_seed"].map { try $0.integer() })
        }
    }

    static func taskName(_ field: Field) throws -> String {
        let name = try field.string()
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@:/-")
        guard !name.isEmpty, name.allSatisfy({ allowed.contains($0) }) else {
            throw field.fail("'\(name)' is not a valid name (letters, digits and _+=,.@:/- only)")
        }
        return name
    }

    static func isValidTagName(_ name: String) -> Bool {
        let first = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let rest = first.union(" .:;=@_-")
        guard name.count >= 3, let head = name.first, first.contains(head) else { return false }
        return name.dropFirst().allSatisfy { rest.contains($0) }
    }

    // MARK: Strategies

    static let strategyKeys: [SelectionStrategy.Kind: [String]] = [
        .diversity: ["type", "strength", "stopping_condition_minimum_distance"],
        .weights: ["type", "strength", "stopping_condition_max_sum", "target_range"],
        .threshold: ["type", "threshold", "operation"],
        .balance: ["type", "strength", "target", "distribution"],
        .similarity: ["type", "strength"],
        .typicality: ["type", "strength", "num_nearest_neighbors", "stopping_condition_minimum_typicality"],
    ]

    static func parseStrategy(_ field: Field) throws -> SelectionStrategy {
        guard case .object(let members) = field.node else { throw field.fail("expected an object, got \(field.typeName)") }
        guard let typeNode = members["type"] else { throw field.fail("missing key 'type'") }
        let kind = try Field(node: typeNode, path: field.child("type")).enumValue(SelectionStrategy.Kind.self)
        let fields = try field.object(allowed: strategyKeys[kind] ?? [], context: " for \(kind.rawValue)")
        var strategy = SelectionStrategy(kind: kind)
        if let strength = fields["strength"] {
            strategy.strength = try strength.number()
            guard abs(strategy.strength) <= 1e9 else { throw strength.fail("must be between -1e9 and 1e9") }
        }
        switch kind {
        case .diversity:
            if let distance = fields["stopping_condition_minimum_distance"] {
                strategy.minimumDistance = try distance.number()
            }
        case .weights:
            if let maxSum = fields["stopping_condition_max_sum"] {
                let value = try maxSum.number()
                guard value >= 0 else { throw maxSum.fail("must be at least 0") }
                strategy.maxSum = value
            }
            if let range = fields["target_range"] {
                let members = try range.object(allowed: ["min_sum", "max_sum"])
                guard let low = members["min_sum"], let high = members["max_sum"] else {
                    throw range.fail("needs 'min_sum' and 'max_sum'")
                }
                let lower = try low.number(), upper = try high.number()
                guard lower >= 0 else { throw low.fail("must be at least 0") }
                guard upper >= lower else { throw high.fail("must be at least min_sum (\(lower))") }
                strategy.targetRange = lower...upper
            }
        case .threshold:
            guard let threshold = fields["threshold"] else { throw field.fail("THRESHOLD needs key 'threshold'") }
            guard let operation = fields["operation"] else { throw field.fail("THRESHOLD needs key 'operation'") }
            strategy.threshold = try threshold.number()
            strategy.operation = try operation.enumValue(SelectionStrategy.ThresholdOperation.self)
        case .balance:
            if let distribution = fields["distribution"] {
                strategy.distribution = try distribution.enumValue(SelectionStrategy.BalanceDistribution.self)
            }
            if let targetField = fields["target"] {
                guard case .object(let members) = targetField.node else {
                    throw targetField.fail("expected an object of category: fraction, got \(targetField.typeName)")
                }
                guard !members.isEmpty else { throw targetField.fail("needs at least one category") }
                var target: [String: Double] = [:]
                for (key, node) in members.sorted(by: { $0.key < $1.key }) {
                    let value = Field(node: node, path: targetField.child(key))
                    let fraction = try value.number()
                    guard (0...1).contains(fraction) else { throw value.fail("must be between 0 and 1, got \(fraction)") }
                    target[key] = fraction
                }
                let sum = target.values.reduce(0, +)
                guard sum <= 1 + 1e-9 else { throw targetField.fail("fractions sum to \(sum), more than 1") }
                strategy.target = target
            }
            switch (strategy.distribution ?? .target, strategy.target) {
            case (.target, nil):
                throw field.fail("BALANCE needs 'target', or 'distribution' UNIFORM or INPUT")
            case (.uniform, .some), (.input, .some):
                throw field.fail("'target' applies only to distribution TARGET")
            default:
                break
            }
        case .similarity:
            break
        case .typicality:
            if let neighbours = fields["num_nearest_neighbors"] {
                let k = try neighbours.integer()
                guard k >= 2 else { throw neighbours.fail("must be at least 2, got \(k)") }
                strategy.nearestNeighbors = k
            }
            if let minimum = fields["stopping_condition_minimum_typicality"] {
                let value = try minimum.number()
                guard value > 0, value <= 1 else { throw minimum.fail("must be in (0, 1], got \(value)") }
                strategy.minimumTypicality = value
            }
        }
        return strategy
    }

    // Lightly's table of input and strategy combinations (docs/selection.md).
    static func checkCombination(input: SelectionInput, strategy: SelectionStrategy, field: Field) throws {
        let accepted: Bool
        let expected: String
        switch strategy.kind {
        case .diversity:
            if case .embeddings = input { accepted = true } else { accepted = false }
            expected = "EMBEDDINGS (frame-level, or with 'task' object-level)"
        case .typicality:
            if case .embeddings(nil) = input { accepted = true } else { accepted = false }
            expected = "EMBEDDINGS without 'task' (frame-level)"
        case .similarity:
            if case .queryEmbeddings = input { accepted = true } else { accepted = false }
            expected = "EMBEDDINGS with 'dataset_id' and 'tag_name'"
        case .weights, .threshold:
            switch input {
            case .scores, .metadata, .random, .predictions(_, .categoryCount, _): accepted = true
            default: accepted = false
            }
            expected = "SCORES, METADATA (numeric), PREDICTIONS with name CATEGORY_COUNT, or RANDOM"
        case .balance:
            switch input {
            case .metadata, .predictions(_, .classDistribution, _): accepted = true
            default: accepted = false
            }
            expected = "METADATA (categorical) or PREDICTIONS with name CLASS_DISTRIBUTION"
        }
        guard accepted else {
            throw SelectionError(
                .invalidConfig, at: .config(field.child("input")),
                "\(describe(input)) cannot be used with strategy \(strategy.kind.rawValue); it accepts \(expected)")
        }
    }

    static func describe(_ input: SelectionInput) -> String {
        switch input {
        case .embeddings(nil): "input EMBEDDINGS (frame-level)"
        case .embeddings: "input EMBEDDINGS with 'task'"
        case .queryEmbeddings: "input EMBEDDINGS with 'dataset_id'"
        case .predictions(_, let name, _): "input PREDICTIONS \(name.rawValue)"
        default: "input \(input.typeName)"
        }
    }

    static func parseAutoTask(_ field: Field) throws -> AutoTask {
        let fields = try field.object(allowed: ["type", "name", "num_rows", "num_cols", "overlap"])
        guard let type = fields["type"] else { throw field.fail("missing key 'type'") }
        let typeName = try type.string()
        guard typeName == "TILING" else {
            throw type.fail("AutoTask type '\(typeName)' not supported; only 'TILING' is")
        }
        guard let name = fields["name"], let rows = fields["num_rows"], let columns = fields["num_cols"] else {
            throw field.fail("TILING needs 'name', 'num_rows' and 'num_cols'")
        }
        let task = AutoTask(
            name: try taskName(name), rows: try rows.integer(), columns: try columns.integer(),
            overlap: try fields["overlap"]?.number() ?? 0)
        guard task.rows >= 1 else { throw rows.fail("must be at least 1") }
        guard task.columns >= 1 else { throw columns.fail("must be at least 1") }
        guard task.overlap >= 0, task.overlap < 1 else { throw field.fail("overlap must be in [0, 1)") }
        return task
    }
}
