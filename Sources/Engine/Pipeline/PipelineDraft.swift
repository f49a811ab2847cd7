import Foundation
import JSON
import PluginAPI
import Yams

/// A value with the place it was written.
struct Located<Value> {
    var value: Value
    var location: SourceLocation
}

/// A pipeline file as written, before its stages are checked against the plugins.
struct PipelineDraft {
    var name: String?
    var workdir: Located<String>?
    var params: [String: JSONValue] = [:]
    var executor: ExecutorKind?
    var stages: [StageDraft] = []
}

/// One entry of `stages:` as written.
struct StageDraft {
    var name: String
    var location: SourceLocation
    var uses: Located<String>?
    var needs: [Located<String>] = []
    var foreach: (text: String, node: Node)?
    var with: [(key: Located<String>, value: Node)] = []
    var concurrency: Int?
    var retries = 0
    var timeout: Double?
    var onError = StageSpec.OnError.fail
    var executor: ExecutorKind?
    var resources = ClusterResources()
}

/// Reads the fixed keys of a pipeline file, reporting every shape problem.
struct PipelineDraftReader {
    static let topLevelKeys = ["version", "name", "workdir", "params", "executor", "stages"]
    static let stageKeys = ["uses", "needs", "foreach", "with", "concurrency", "retries", "timeout", "on_error", "executor", "resources"]
    static let supportedVersion = 1

    var problems: DiagnosticList

    init(file: String) {
        problems = DiagnosticList(file: file)
    }

    mutating func read(_ root: Node?) -> PipelineDraft {
        var draft = PipelineDraft()
        guard let root, case .mapping(let mapping) = root else {
            let location = root?.location(in: problems.file) ?? SourceLocation(file: problems.file, line: 1, column: 1)
            problems.error(at: location, "a pipeline must be a mapping with 'version' and 'stages'")
            return draft
        }
        var sawStages = false
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "version":
                if value.int != Self.supportedVersion {
                    problems.error(at: value, "unsupported version \(value.shortDescription); expected \(Self.supportedVersion)")
                }
            case "name":
                if let name = value.scalarText { draft.name = name } else { problems.error(at: value, "'name' must be a string") }
            case "workdir":
                if let workdir = value.scalarText, !workdir.isEmpty {
                    draft.workdir = Located(value: workdir, location: value.location(in: problems.file))
                } else {
                    problems.error(at: value, "'workdir' must be a path")
                }
            case "params":
                readParams(value, into: &draft)
            case "executor":
                draft.executor = readExecutor(value)
            case "stages":
                sawStages = true
                readStages(value, into: &draft)
            default:
                unknownKey(keyNode, key, expected: Self.topLevelKeys, context: "")
            }
        }
        if !sawStages {
            problems.error(at: root, "missing 'stages'")
        }
        return draft
    }

    private mutating func readParams(_ node: Node, into draft: inout PipelineDraft) {
        guard case .mapping(let mapping) = node else {
            problems.error(at: node, "'params' must be a mapping of names to values")
            return
        }
        for (key, value) in mapping {
            guard let name = key.scalarText, Self.isName(name) else {
                problems.error(at: key, "invalid parameter name \(key.shortDescription); use letters, digits, '_' and '-'")
                continue
            }
            draft.params[name] = value.jsonValue
        }
    }

    private mutating func readStages(_ node: Node, into draft: inout PipelineDraft) {
        guard case .mapping(let mapping) = node else {
            problems.error(at: node, "'stages' must be a mapping of stage names to stages")
            return
        }
        if mapping.isEmpty { problems.error(at: node, "'stages' is empty") }
        for (key, value) in mapping {
            let name = key.scalarText ?? ""
            if !Self.isName(name) {
                problems.error(at: key, "invalid stage name \(key.shortDescription); use letters, digits, '_', '-' and '.'")
            }
            draft.stages.append(readStage(name, location: key.location(in: problems.file), value))
        }
    }

    private mutating func readStage(_ name: String, location: SourceLocation, _ node: Node) -> StageDraft {
        var stage = StageDraft(name: name, location: location)
        guard case .mapping(let mapping) = node else {
            problems.error(at: node, "stage '\(name)' must be a mapping with at least 'uses'")
            return stage
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "uses":
                if let uses = value.scalarText, !uses.isEmpty {
                    stage.uses = Located(value: uses, location: value.location(in: problems.file))
                } else {
                    problems.error(at: value, "'uses' must be a plugin id")
                }
            case "needs":
                stage.needs = readNeeds(value)
            case "foreach":
                if let glob = value.scalarText, !glob.isEmpty { stage.foreach = (glob, value) }
                else { problems.error(at: value, "'foreach' must be a glob such as 'videos/*.mp4'") }
            case "with":
                if case .mapping(let with) = value {
                    stage.with = with.map { key, value in
                        (Located(value: key.string ?? "", location: key.location(in: problems.file)), value)
                    }
                } else if value.null == nil {
                    problems.error(at: value, "'with' must be a mapping of parameter names to values")
                }
            case "concurrency":
                if let concurrency = value.int, concurrency >= 1 { stage.concurrency = concurrency }
                else { problems.error(at: value, "'concurrency' must be a positive integer, got \(value.shortDescription)") }
            case "retries":
                if let retries = value.int, retries >= 0 { stage.retries = retries }
                else { problems.error(at: value, "'retries' must be a non-negative integer, got \(value.shortDescription)") }
            case "timeout":
                if let text = value.scalarText, let seconds = DurationParser.seconds(text), seconds > 0 {
                    stage.timeout = seconds
                } else {
                    problems.error(at: value, "invalid timeout \(value.shortDescription); expected \(DurationParser.expected)")
                }
            case "on_error":
                let text = value.scalarText ?? ""
                if let onError = StageSpec.OnError(rawValue: text) { stage.onError = onError }
                else {
                    let hint = NameSuggestion.hint(for: text, in: ["fail", "skip"])
                    problems.error(at: value, "invalid on_error \(value.shortDescription); expected 'fail' or 'skip'\(hint)")
                }
            case "executor":
                stage.executor = readExecutor(value)
            case "resources":
                stage.resources = readResources(value)
            default:
                unknownKey(keyNode, key, expected: Self.stageKeys, context: " in stage '\(name)'")
            }
        }
        if stage.uses == nil {
            problems.error(at: location, "stage '\(name)' has no 'uses'")
        }
        return stage
    }

    private mutating func readExecutor(_ node: Node) -> ExecutorKind? {
        let text = node.scalarText ?? ""
        if let kind = ExecutorKind(rawValue: text) { return kind }
        let names = ExecutorKind.allCases.map(\.rawValue)
        let hint = NameSuggestion.hint(for: text, in: names)
        problems.error(at: node, "invalid executor \(node.shortDescription); expected \(names.map { "'\($0)'" }.joined(separator: " or "))\(hint)")
        return nil
    }

    /// A `resources:` block: sizes and counts checked here, so a typo fails at load time and
    /// not after the job waited in the queue.
    private mutating func readResources(_ node: Node) -> ClusterResources {
        var resources = ClusterResources()
        guard case .mapping(let mapping) = node else {
            problems.error(at: node, "'resources' must be a mapping with keys among \(ClusterResources.keys.joined(separator: ", "))")
            return resources
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "cpus": resources.cpus = readCount(value, key, minimum: 1)
            case "gpus": resources.gpus = readCount(value, key, minimum: 0)
            case "array": resources.arraySize = readCount(value, key, minimum: 1)
            case "batch": resources.batchSize = readCount(value, key, minimum: 1)
            case "mem":
                if let text = value.scalarText, let megabytes = ClusterResources.megabytes(text) { resources.memoryMB = megabytes }
                else { problems.error(at: value, "invalid mem \(value.shortDescription); expected \(ClusterResources.expectedMemory)") }
            case "time":
                if let text = value.scalarText, let seconds = DurationParser.seconds(text), seconds > 0 {
                    resources.minutes = Int((seconds / 60).rounded(.up))
                } else {
                    problems.error(at: value, "invalid time \(value.shortDescription); expected \(DurationParser.expected)")
                }
            case "partition", "account", "qos":
                guard let text = value.scalarText, !text.isEmpty else {
                    problems.error(at: value, "'\(key)' must be a name, got \(value.shortDescription)")
                    continue
                }
                switch key {
                case "partition": resources.partition = text
                case "account": resources.account = text
                default: resources.qos = text
                }
            case "extra":
                resources.extra = readExtra(value)
            default:
                unknownKey(keyNode, key, expected: ClusterResources.keys, context: " in 'resources'")
            }
        }
        return resources
    }

    private mutating func readCount(_ node: Node, _ key: String, minimum: Int) -> Int? {
        if let count = node.int, count >= minimum { return count }
        let expected = minimum == 0 ? "a non-negative integer" : "a positive integer"
        problems.error(at: node, "'\(key)' must be \(expected), got \(node.shortDescription)")
        return nil
    }

    /// Raw `sbatch` arguments: a list, or one string split at spaces.
    private mutating func readExtra(_ node: Node) -> [String] {
        switch node {
        case .scalar(let scalar): return scalar.string.split(separator: " ").map(String.init)
        case .sequence(let sequence) where sequence.allSatisfy({ $0.scalarText != nil }): return sequence.compactMap(\.scalarText)
        default:
            problems.error(at: node, "'extra' must be a list of sbatch arguments such as ['--constraint=a100']")
            return []
        }
    }

    private mutating func readNeeds(_ node: Node) -> [Located<String>] {
        let entries: [Node]
        switch node {
        case .scalar: entries = [node]
        case .sequence(let sequence): entries = Array(sequence)
        default: entries = []
        }
        var needs: [Located<String>] = []
        for entry in entries {
            guard let name = entry.scalarText, !name.isEmpty else {
                problems.error(at: entry, "'needs' must be a stage name or a list of stage names")
                continue
            }
            needs.append(Located(value: name, location: entry.location(in: problems.file)))
        }
        if case .mapping = node { problems.error(at: node, "'needs' must be a stage name or a list of stage names") }
        return needs
    }

    private mutating func unknownKey(_ node: Node, _ key: String, expected: [String], context: String) {
        if let suggestion = NameSuggestion.closest(to: key, in: expected) {
            problems.error(at: node, "unknown key '\(key)'\(context) (did you mean '\(suggestion)'?)")
        } else {
            problems.error(at: node, "unknown key '\(key)'\(context); expected one of \(expected.joined(separator: ", "))")
        }
    }

    /// Names of stages and parameters: no `/` (it separates `STAGE/KEY`), no spaces, no `${`.
    static func isName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != "-", first != "." else { return false }
        return name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" || $0 == "."
        }
    }
}
