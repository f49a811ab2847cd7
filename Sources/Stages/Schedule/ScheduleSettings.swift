import Foundation
import JSON
import PluginAPI
import Selection

/// The validated `selection_config`, `worker_config`, `lightly_config` and `seed` of one run.
struct ScheduleSettings: Sendable {
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
    /// `worker_config.use_datapool` (default true): earlier runs' selections count as selected.
    var usesDatapool: Bool
    /// `worker_config.normalize_embeddings` (default true): frame embeddings scaled to unit length.
    var normalizesEmbeddings: Bool
    /// `embedding_model`: a TorchScript crop embedder for appearance object embeddings (else pose).
    var embeddingModel: URL?
    /// `embedding_input_size`: the side of the square crops the model takes.
    var embeddingInputSize: Int
    /// Options that were set but have no effect here, for the log.
    var ignoredOptions: [String]

    /// Top-level `worker_config` keys of the Lightly Worker (spec §8.1).
    static let workerKeys = [
        "checkpoint", "checkpoint_run_id", "corruptness_check", "datasource", "crops", "embeddings", "enable_training",
        "training", "normalize_embeddings", "num_processes", "num_threads", "output_image_format", "pretagging",
        "pretagging_upload", "relevant_filenames_file", "selected_sequence_length", "upload_report", "use_datapool",
        "shutdown_when_job_finished", "cache_size",
    ]
    static let usedWorkerKeys: Set<String> = ["embeddings", "selected_sequence_length", "use_datapool", "normalize_embeddings"]
    /// Top-level `lightly_config` keys (spec §8.2).
    static let lightlyKeys = ["seed", "loader", "model", "trainer", "criterion", "optimizer", "collate", "checkpoint_callback"]

    init(_ parameters: Parameters) throws {
        guard let selection = parameters["selection_config"], selection.objectValue != nil else {
            throw StageError("parameter 'selection_config' must be an object (the Lightly selection config)", code: .invalidParameter)
        }
        selectionConfigJSON = selection
        do {
            selectionConfig = try selection.decode(SelectionConfig.self)
        } catch let error as SelectionError {
            throw StageError(Self.describe(error), code: .invalidParameter)
        } catch {
            throw StageError("selection_config: \(error)", code: .invalidParameter)
        }
        workerConfig = try Self.object(parameters, "worker_config", allowed: Self.workerKeys)
        lightlyConfig = try Self.object(parameters, "lightly_config", allowed: Self.lightlyKeys)

        let seedValue = parameters["seed"].flatMap { $0 == .null ? nil : $0 } ?? lightlyConfig["seed"]
        if let seedValue {
            guard let seed = seedValue.intValue else {
                throw StageError("seed: expected an integer, got \(seedValue)", code: .invalidParameter)
            }
            self.seed = UInt64(bitPattern: Int64(seed))
        } else {
            seed = 0
        }

        if let value = workerConfig["embeddings"] {
            guard let name = value.stringValue, !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
                throw StageError(
                    "worker_config.embeddings: expected a CSV path relative to .lightly/embeddings/, got \(value)",
                    code: .invalidParameter)
            }
            customEmbeddings = name
        }
        sequenceLength = try Self.integer(workerConfig["selected_sequence_length"], "worker_config.selected_sequence_length") ?? 1
        guard sequenceLength >= 1 else {
            throw StageError("worker_config.selected_sequence_length: must be at least 1, got \(sequenceLength)", code: .invalidParameter)
        }
        usesDatapool = try Self.boolean(workerConfig["use_datapool"], "worker_config.use_datapool") ?? true
        normalizesEmbeddings = try Self.boolean(workerConfig["normalize_embeddings"], "worker_config.normalize_embeddings") ?? true
        if let path = parameters.optionalString("embedding_model"), !path.isEmpty {
            embeddingModel = try parameters.url("embedding_model")
        }
        embeddingInputSize = try Self.integer(parameters["embedding_input_size"], "embedding_input_size") ?? 224
        guard embeddingInputSize >= 1 else {
            throw StageError("embedding_input_size: must be at least 1, got \(embeddingInputSize)", code: .invalidParameter)
        }
        ignoredOptions = workerConfig.keys.filter { !Self.usedWorkerKeys.contains($0) }.sorted().map { "worker_config.\($0)" }
            + lightlyConfig.keys.filter { $0 != "seed" }.sorted().map { "lightly_config.\($0)" }
    }

    /// `selection_config.<key path>: message`, one line per issue.
    static func describe(_ error: SelectionError) -> String {
        error.issues.map { issue in
            let path = issue.path == "selection_config" || issue.path.hasPrefix("selection_config.") || issue.path == "inputs"
                ? issue.path : "selection_config.\(issue.path)"
            return "\(path): \(issue.message)"
        }.joined(separator: "\n")
    }

    private static func object(_ parameters: Parameters, _ name: String, allowed: [String]) throws -> [String: JSONValue] {
        guard let value = parameters[name], value != .null else { return [:] }
        guard let object = value.objectValue else {
            throw StageError("parameter '\(name)' must be an object", code: .invalidParameter)
        }
        for key in object.keys.sorted() where !allowed.contains(key) {
            let hint = NameMatch.closest(to: key, in: allowed).map { " Did you mean '\($0)'?" } ?? ""
            throw StageError("\(name): option '\(key)' does not exist!\(hint)", code: .invalidParameter)
        }
        return object
    }

    private static func integer(_ value: JSONValue?, _ path: String) throws -> Int? {
        guard let value else { return nil }
        guard let int = value.intValue else { throw StageError("\(path): expected an integer, got \(value)", code: .invalidParameter) }
        return int
    }

    private static func boolean(_ value: JSONValue?, _ path: String) throws -> Bool? {
        guard let value else { return nil }
        guard let bool = value.boolValue else { throw StageError("\(path): expected a boolean, got \(value)", code: .invalidParameter) }
        return bool
    }
}

/// "Did you mean" for option names: the closest candidate by edit distance, as difflib's
/// cutoff 0.6 (the Lightly client's check of worker options).
enum NameMatch {
    static func closest(to word: String, in candidates: [String]) -> String? {
        let a = Array(word.lowercased())
        var best: (String, Double)?
        for candidate in candidates {
            let b = Array(candidate.lowercased())
            let longest = max(a.count, b.count)
            guard longest > 0 else { continue }
            let ratio = 1 - Double(distance(a, b)) / Double(longest)
            if ratio >= 0.6, ratio > (best?.1 ?? 0) { best = (candidate, ratio) }
        }
        return best?.0
    }

    private static func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
