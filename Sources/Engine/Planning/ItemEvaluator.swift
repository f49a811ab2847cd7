import Foundation
import JSON
import PluginAPI

/// Whether an item can come from the cache, and why not.
public enum ItemVerdict: Sendable, Equatable {
    case cached
    case toRun(reason: String)
    /// Cannot run now: an upstream item failed, will run first, or is outside the selection.
    case blocked(reason: String)
}

/// The evaluation of one item: its key and whether the cache answers it.
public struct ItemEvaluation: Sendable {
    public var id: ItemID
    public var fields: CacheKeyFields?
    public var cacheKey: String?
    public var verdict: ItemVerdict
    /// The committed output digest when `verdict` is `.cached`.
    public var outputDigest: String?
    /// The item runs although its key has an entry (`--force`, receipts that no longer hold).
    public var replacesEntry = false
    /// `--force` names the item (or its stage): its checkpoints are dropped before it runs, so
    /// the work is really done again instead of resumed.
    public var isForced = false
}

/// Computes cache keys of planned items and looks them up in the in-memory cache index.
struct ItemEvaluator: Sendable {
    let plan: ExecutionPlan
    let digester: SourceDigester
    let records: [ItemID: ItemRecord]
    let force: Set<String>
    private let defaultedParameters: [[String: JSONValue]]
    /// The parameters each stage's cache key holds: ``CacheKeyPolicy/keyed(_:of:_:)``.
    private let keyedParameters: [[String: JSONValue]]
    let fileResolver: FileParameterResolver
    /// Each stage's `file` parameters written as final text, resolved once for the run: the key
    /// holds their digests and every item's ``Parameters/files`` these values.
    let stageFiles: [Result<[String: ResolvedFile], any Error>]

    init(plan: ExecutionPlan, digester: SourceDigester, records: [ItemID: ItemRecord], force: Set<String>) {
        self.plan = plan
        self.digester = digester
        self.records = records
        self.force = force
        defaultedParameters = plan.stages.map { ParameterTypeCheck.withDefaults($0.spec.with, of: $0.descriptor) }
        keyedParameters = zip(plan.stages, defaultedParameters).map { CacheKeyPolicy.keyed($1, of: $0.spec, $0.descriptor) }
        let resolver = FileParameterResolver(digester: digester, directory: plan.pipeline.directory)
        fileResolver = resolver
        stageFiles = zip(plan.stages, defaultedParameters).map { stage, values in
            let names = stage.descriptor.parameters.filter { CacheKeyPolicy.isKeyedByContent($0, values[$0.name], in: stage.spec) }
            return Result { try resolver.resolve(names.map(\.name), in: values) }
        }
    }

    func parameters(ofStage index: Int) -> [String: JSONValue] { defaultedParameters[index] }

    /// The key fields of an item whose upstream output digests are known.
    /// - Throws: ``CacheError`` when a source or `file` parameter cannot be read.
    func fields(of index: Int, upstreamDigests: [Int: String], external: String?) throws -> CacheKeyFields {
        let item = plan.items[index]
        let stage = plan.stages[item.stageIndex]
        var inputs: [String: String] = [:]
        for upstream in item.upstream {
            if let digest = upstreamDigests[upstream] { inputs[plan.items[upstream].id.description] = digest }
        }
        // Sources enter the key only where no upstream output already stands for them:
        // otherwise an upstream re-run with identical bytes would still invalidate this item.
        var sources: [String: String] = [:]
        if item.upstream.isEmpty || stage.spec.foreach != nil {
            for source in item.sources { sources[source.key] = try digester.digest(of: source.path) }
        }
        return CacheKeyFields(
            plugin: stage.descriptor.id, version: stage.descriptor.version, params: keyedParameters[item.stageIndex],
            item: item.id.key, inputs: inputs, sources: sources, files: try stageFiles[item.stageIndex].get().mapValues(\.digest),
            external: external)
    }

    /// The `--force` value that names item `id` (`STAGE/KEY` or its stage), if any.
    func forcingSelector(of id: ItemID) -> String? {
        force.contains(id.description) ? id.description : force.contains(id.stage) ? id.stage : nil
    }

    /// Why an item whose key has no entry must run, compared with its last recorded state.
    func reason(for id: ItemID, fields: CacheKeyFields, key: String) -> String {
        if let selector = forcingSelector(of: id) { return "forced with --force \(selector)" }
        guard let record = records[id] else { return "never run" }
        if record.cacheKey == key {
            if record.state == .failed { return "failed last time: \(record.error ?? "unknown error")" }
            return "cache entry missing"
        }
        guard let previous = record.fields else { return "cache key changed" }
        let changes = fields.changes(since: previous)
        if changes.isEmpty { return "cache key changed" }
        let shown = changes.prefix(3).map { Self.short($0) }.joined(separator: ", ")
        return "changed: " + shown + (changes.count > 3 ? ", and \(changes.count - 3) more" : "")
    }

    private static func short(_ change: FieldChange) -> String {
        func clip(_ text: String?) -> String {
            guard let text else { return "(none)" }
            return text.count > 16 && !text.contains(" ") && text.allSatisfy(\.isHexDigit) ? String(text.prefix(12)) + "…" : text
        }
        return "\(change.path) \(clip(change.old)) → \(clip(change.new))"
    }

    /// The `StageItem` a stage sees, with `${in.STAGE}` directories and the sources' memoised
    /// digests (a `foreach` stage upstream has hashed them), so a stage need not read them again.
    /// The folders item `index` reads, built the same way for the key-time calls
    /// (`externalStateDigest`, `verify`) and for the run, so a stage sees one `inputs` in both:
    /// each committed upstream item's view `out/STAGE/KEY`; for a gather stage, one folder per
    /// needed stage under `attemptDirectory/in` holding a link per committed upstream item (so
    /// items that failed under `on_error: skip`, or views left from older runs, are not in it).
    func inputs(of index: Int, committed: (Int) -> Bool, workdir: Workdir, attemptDirectory: URL) throws -> [String: URL] {
        let item = plan.items[index]
        let stage = plan.stages[item.stageIndex]
        let upstream = item.upstream.filter(committed).map { plan.items[$0].id }
        guard stage.mode == .gather else {
            return Dictionary(upstream.map { ($0.stage, workdir.view(of: $0)) }, uniquingKeysWith: { first, _ in first })
        }
        let root = AttemptFiles(directory: attemptDirectory).inputs
        var inputs: [String: URL] = [:]
        for name in stage.spec.needs {
            let folder = root.appendingPathComponent(name, isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            inputs[name] = folder
        }
        for id in upstream {
            let link = root.appendingPathComponent(id.stage).appendingPathComponent(id.key)
            // Keys may hold `/` (`clips/a.mp4`): the link's parent may be a folder of its own.
            try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: workdir.view(of: id))
        }
        return inputs
    }

    func stageItem(_ index: Int, inputs: [String: URL]) -> StageItem {
        let item = plan.items[index]
        let sources = item.sources.map { ItemSource(key: $0.key, path: $0.path, digest: digester.knownDigest(of: $0.path)) }
        return StageItem(key: item.id.key, sources: sources, inputs: inputs)
    }
}
