import Foundation
import JSON
import PluginAPI
import Selection

/// The validated `selection_config`, `worker_config`, `lightly_config` and `seed` of one run:
/// decoded once, when the pipeline loads (``ScheduleStage/decodeSettings(_:)``).
struct ScheduleSettings: Sendable {
    /// The parameters these settings are decoded from, declared once.
    struct Options: StageOptions {
        @Option("selection_config", doc: "The Lightly selection config: n_samples or proportion_samples, and strategies.")
        var selectionConfig: [String: JSONValue]
        @Option(
            "worker_config",
            doc: "Lightly worker options; used: embeddings, selected_sequence_length, use_datapool, normalize_embeddings.")
        var workerConfig: [String: JSONValue] = [:]
        @Option("lightly_config", doc: "Lightly options; used: seed.")
        var lightlyConfig: [String: JSONValue] = [:]
        @Option("seed", doc: "Integer seed of RANDOM inputs and tie-breaks; overrides lightly_config.seed; default 0.")
        var seed = JSONValue.null
    }

    var selectionConfig: SelectionConfig
    /// `selection_config` as given, for the report and the run id.
    var selectionConfigJSON: JSONValue
    var workerConfig: [String: JSONValue]
    var lightlyConfig: [String: JSONValue]
    var seed: UInt64
    /// `worker_config.embeddings`: a CSV in `.lightly/embeddings/` to use as frame embeddings.
    var customEmbeddings: String?
    /// `worker_config.selected_sequence_length`.
    var sequenceLength: Int
    /// `worker_config.use_datapool`: earlier runs' selections count as selected. Off by default, as
    /// in the Lightly Worker since 2.11, so a re-run after a change selects what a fresh run would;
    /// on by default for an explicit next round (`selection_config.round`).
    var usesDatapool: Bool
    /// `worker_config.normalize_embeddings` (default true): frame embeddings scaled to unit length.
    var normalizesEmbeddings: Bool
    /// Options that were set but have no effect here, for the log.
    var ignoredOptions: [String]

    /// Top-level `worker_config` keys of the Lightly Worker.
    static let workerKeys = [
        "checkpoint", "checkpoint_run_id", "corruptness_check", "datasource", "crops", "embeddings", "enable_training",
        "training", "normalize_embeddings", "num_processes", "num_threads", "output_image_format", "pretagging",
        "pretagging_upload", "relevant_filenames_file", "selected_sequence_length", "upload_report", "use_datapool",
        "shutdown_when_job_finished", "cache_size",
    ]
    static let usedWorkerKeys: Set<String> = ["embeddings", "selected_sequence_length", "use_datapool", "normalize_embeddings"]
    /// Top-level `lightly_config` keys.
    static let lightlyKeys = ["seed", "loader", "model", "trainer", "criterion", "optimizer", "collate", "checkpoint_callback"]

    /// Reads and checks the settings.
    /// - Throws: ``ParameterIssues`` naming the key path of each problem
    ///   (`selection_config.strategies[0].strategy.type: unknown value 'DIVERSTY'. …`).
    init(_ parameters: Parameters) throws(ParameterIssues) {
        let options: Options
        do { options = try Options(parameters) } catch { throw Self.issue([], error.message) }
        let selection = JSONValue.object(options.selectionConfig)
        selectionConfigJSON = selection
        do {
            selectionConfig = try SelectionConfig(parsing: selection)
        } catch {
            throw ParameterIssues(error.issues.map(Self.selectionIssue))
        }
        workerConfig = try Self.checked(options.workerConfig, "worker_config", allowed: Self.workerKeys)
        lightlyConfig = try Self.checked(options.lightlyConfig, "lightly_config", allowed: Self.lightlyKeys)

        if options.seed != .null {
            seed = try Self.seed(options.seed, ["seed"])
        } else if let value = lightlyConfig["seed"] {
            seed = try Self.seed(value, ["lightly_config", "seed"])
        } else {
            seed = 0
        }

        if let value = workerConfig["embeddings"] {
            guard let name = value.stringValue, !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
                throw Self.issue(["worker_config", "embeddings"], "expected a CSV path relative to .lightly/embeddings/, got \(value)")
            }
            customEmbeddings = name
        }
        sequenceLength = try Self.integer(workerConfig["selected_sequence_length"], ["worker_config", "selected_sequence_length"]) ?? 1
        guard sequenceLength >= 1 else {
            throw Self.issue(["worker_config", "selected_sequence_length"], "must be at least 1, got \(sequenceLength)")
        }
        usesDatapool = try Self.boolean(workerConfig["use_datapool"], ["worker_config", "use_datapool"]) ?? (selectionConfig.round != nil)
        normalizesEmbeddings = try Self.boolean(workerConfig["normalize_embeddings"], ["worker_config", "normalize_embeddings"]) ?? true
        ignoredOptions = workerConfig.keys.filter { !Self.usedWorkerKeys.contains($0) }.sorted().map { "worker_config.\($0)" }
            + lightlyConfig.keys.filter { $0 != "seed" }.sorted().map { "lightly_config.\($0)" }
    }

    /// Strategies naming a prediction task that no upstream stage writes; checked only when some
    /// upstream stage names its task (`convert`'s `task`), else the datasource alone knows.
    func unknownTasks(upstream: [JSONValue]) -> [ParameterIssue] {
        let known = upstream.compactMap(\.stringValue)
        guard !known.isEmpty else { return [] }
        let written = known.map { "'\($0)'" }.joined(separator: ", ")
        return selectionConfig.strategies.enumerated().compactMap { index, entry in
            guard let task = Self.task(of: entry.input), !known.contains(task) else { return nil }
            return ParameterIssue(
                ["selection_config", "strategies", .index(index), "input", "task"],
                "unknown task '\(task)': the stages upstream write predictions of \(written)\(NameSuggestion.hint(for: task, in: known))")
        }
    }

    /// The prediction tasks the strategies read; `nil` when none names one (the selection then
    /// reads every task the datasource lists).
    var namedTasks: Set<String>? {
        let tasks = Set(selectionConfig.strategies.compactMap { Self.task(of: $0.input) })
        return tasks.isEmpty ? nil : tasks
    }

    /// The prediction task a strategy input reads, if any.
    private static func task(of input: SelectionInput) -> String? {
        switch input {
        case .embeddings(let task): task
        case .scores(let task, _), .predictions(let task, _, _): task
        case .queryEmbeddings, .metadata, .random: nil
        }
    }

    /// A Selection issue with its path from the parameter (`selection_config.n_sample`); a problem
    /// of the inputs alone is at `inputs`.
    static func selectionIssue(_ issue: ConfigIssue) -> ParameterIssue {
        switch issue.location {
        case .config(let path): ParameterIssue(JSONPath(["selection_config"]).appending(path), issue.message)
        case .inputs: ParameterIssue(["inputs"], issue.message)
        }
    }

    private static func issue(_ path: JSONPath, _ message: String) -> ParameterIssues {
        ParameterIssues([ParameterIssue(path, message)])
    }

    /// `object` when each of its keys is `allowed`.
    private static func checked(_ object: [String: JSONValue], _ name: String, allowed: [String]) throws(ParameterIssues) -> [String: JSONValue] {
        let unknown = object.keys.sorted().filter { !allowed.contains($0) }.map { key in
            ParameterIssue([.key(name), .key(key)], "option '\(key)' does not exist\(NameSuggestion.hint(for: key, in: allowed))")
        }
        if !unknown.isEmpty { throw ParameterIssues(unknown) }
        return object
    }

    private static func seed(_ value: JSONValue, _ path: JSONPath) throws(ParameterIssues) -> UInt64 {
        guard let seed = value.intValue else { throw issue(path, "expected an integer, got \(value)") }
        return UInt64(bitPattern: Int64(seed))
    }

    private static func integer(_ value: JSONValue?, _ path: JSONPath) throws(ParameterIssues) -> Int? {
        guard let value else { return nil }
        guard let int = value.intValue else { throw issue(path, "expected an integer, got \(value)") }
        return int
    }

    private static func boolean(_ value: JSONValue?, _ path: JSONPath) throws(ParameterIssues) -> Bool? {
        guard let value else { return nil }
        guard let bool = value.boolValue else { throw issue(path, "expected a boolean, got \(value)") }
        return bool
    }
}
