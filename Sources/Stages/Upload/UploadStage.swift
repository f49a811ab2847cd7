import Foundation
import JSON
import Lightly
import PluginAPI
import Storage

/// `upload`: sends the `foreach` source files to the `input` datasource and the upstream
/// `.lightly` trees (predictions, metadata) to the `lightly` datasource, like the tutorial's
/// three `aws s3 cp` commands.
///
/// Keeps the pipeline's part of each datasource equal to its current outputs: an ``UploadRecord``
/// in the datasource lists what the stage wrote, and objects it wrote earlier that the current
/// plan lacks are removed, unless another record claims them. Crash-safe: the record of the union
/// is written before anything changes, the final record after the removals. `tasks.json` is an
/// index that every upload shares (``TasksIndex``): the stage merges its tasks into it last.
///
/// Idempotent: an object whose size and SHA-256 (or single-part ETag) already match is not sent
/// again. A source file is not read to compute its SHA-256 while its stat equals the one of the
/// engine's memoised digest. Resumable: each stored part of a multipart upload is committed as a checkpoint, and a
/// new attempt sends only the missing parts. Every object leaves a receipt (datasource, key, size,
/// ETag or SHA-256) that ``verify(receipts:item:context:)`` checks with HEAD requests, and
/// `tasks.json` one of the tasks it must list. Its output, `upload.json`, lists what each
/// datasource holds of the stage's plan (and the tasks it merged) and has no timestamps.
public struct UploadStage: Stage {
    /// Where credentials and endpoint variables come from (the process environment by default).
    let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public var descriptor: PluginDescriptor {
        PluginDescriptor(
            id: "upload", version: "1",
            summary: "Sync source videos and .lightly trees to the input and Lightly datasources (file:// or s3://).",
            mode: .gather, kind: .effect,
            parameters: Options.specs)
    }

    /// The stage's parameters, declared once.
    struct Options: StageOptions {
        var datasources = DatasourceOptions()
        @Option("part_size", doc: "Multipart part size in bytes (at least 5 MiB).")
        var partSize = 8 * 1024 * 1024
        @Option("multipart_threshold", doc: "Files at least this large are sent in parts.")
        var multipartThreshold = 16 * 1024 * 1024
    }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        _ = try await sync(item, context: context)
    }

    /// What one run did, for tests and logs.
    struct Summary: Sendable, Hashable {
        var objects = 0
        var sent = 0
        var skipped = 0
        var partsSent = 0
        var bytesSent: Int64 = 0
        /// Objects written by earlier runs that the plan no longer holds, removed.
        var removed = 0
    }

    func sync(_ item: StageItem, context: any StageContext) async throws -> Summary {
        let stores = try openStores(context)
        let plan = try UploadPlan.make(for: item)
        // Check every key before sending anything, so a bad one leaves no object behind.
        for entry in plan.entries {
            try mapped { try ObjectKey.validate(entry.key, datasource: stores[entry.role]?.location.description ?? "") }
        }
        for role in UploadPlan.Role.allCases {
            if let store = stores[role] { try await mapped { try await store.checkAccess() } }
        }

        let options = try uploadOptions(context)
        let journal = try await UploadJournal.load(from: context.checkpoints)
        // First what is there, then the records of everything the stage is about to own, then the writes.
        let survey = try await UploadSurvey.make(plan, stores: stores)
        var records: [UploadPlan.Role: UploadRecord] = [:]
        for (role, store) in stores {
            records[role] = try await claim(survey, role: role, in: store, context: context)
        }

        var listing: [UploadPlan.Role: [UploadManifest.Object]] = [:]
        var summary = Summary()
        // Before any object: a resumed attempt's log says so before it sends anything.
        context.reportProgress(completed: 0, total: plan.entries.count, unit: "objects")
        for (index, entry) in plan.entries.enumerated() {
            try Task.checkCancellation()
            guard let store = stores[entry.role], let sha256 = survey.sha256s[index] else { continue }
            var object = survey.present[index]
            if object != nil {
                summary.skipped += 1
            } else {
                let journalKey = UploadJournal.name(entry.role.rawValue, entry.key)
                let resume = await journal.state(journalKey)
                let result = try await mapped {
                    try await store.upload(
                        entry.key, file: entry.file, sha256: sha256, options: options, resume: resume
                    ) { state in
                        try await journal.record(state, as: journalKey, in: context.checkpoints)
                    }
                }
                object = result.object
                summary.sent += 1
                summary.partsSent += result.partsSent
                summary.bytesSent += result.bytesSent
            }
            guard let object else { continue }
            let record = UploadManifest.Object(key: entry.key, size: object.size, etag: object.etag, sha256: sha256)
            listing[entry.role, default: []].append(record)
            context.recordReceipt(UploadReceipt.object(role: entry.role, object: record).json)
            context.reportProgress(completed: index + 1, total: plan.entries.count, unit: "objects")
        }
        for (role, store) in stores.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard let record = records[role] else { continue }
            summary.removed += try await prune(record, planned: survey.keys(role), in: store)
        }
        summary.objects = plan.entries.count
        // After the tasks' files are sent and the dropped ones' pruned: the index lists no task without its schema.
        if let lightly = stores[.lightly] {
            let written = try await TasksIndex(store: lightly).merge(plan.tasks)
            if written != nil || !plan.tasks.isEmpty { summary.objects += 1 }
            if let written {
                summary.sent += 1
                summary.partsSent += 1
                summary.bytesSent += written.size
            } else if !plan.tasks.isEmpty {
                summary.skipped += 1
            }
            if !plan.tasks.isEmpty { context.recordReceipt(UploadReceipt.tasks(plan.tasks).json) }
        }
        // The plan's tasks, not the merged index: the output stays independent of other uploads.
        let manifest = UploadManifest(datasources: UploadPlan.Role.allCases.compactMap { role in
            stores[role].map {
                UploadManifest.Datasource(
                    role: role.rawValue, url: $0.location.description, objects: listing[role] ?? [],
                    tasks: role == .lightly && !plan.tasks.isEmpty ? plan.tasks : nil)
            }
        })
        try manifest.write(to: context.outputDirectory.appendingPathComponent("upload.json"))
        context.logger.info(
            "upload: \(summary.sent) sent (\(summary.partsSent) parts, \(summary.bytesSent) bytes), \(summary.skipped) already present, \(summary.removed) removed (written earlier, no longer produced)")
        return summary
    }

    /// Checks that every object of the receipts is still there with its size and digest, that
    /// `tasks.json` still lists the stage's tasks (others may be listed too), and that the stage's
    /// records claim nothing the receipts lack (a later run with another plan wrote more, which
    /// this plan must remove).
    public func verify(receipts: [JSONValue], item: StageItem, context: any StageContext) async throws -> Bool {
        let stores = try openStores(context)
        let received = receipts.compactMap(UploadReceipt.init)
        guard received.count == receipts.count else { return false }
        for (role, store) in stores {
            let record = try await UploadRecord.load(pipeline: context.pipelineName, stage: context.stageName, role: role, from: store)
            let keys = Set(received.filter { $0.role == role }.map(\.key))
            guard Set(record.keys).isSubset(of: keys) else { return false }
        }
        for receipt in received {
            guard let store = stores[receipt.role] else { return false }
            switch receipt {
            case .object(_, let expected):
                guard let object = try await mapped({ try await store.head(expected.key) }), object.size == expected.size
                else { return false }
                if let etag = expected.etag, object.etag != etag { return false }
                if expected.etag == nil, let sha256 = object.sha256, sha256 != expected.sha256 { return false }
            case .tasks(let tasks):
                guard try await TasksIndex(store: store).lists(tasks) else { return false }
            }
        }
        return true
    }

    /// The stage's record in `store` once it claims what it is about to write, and what another
    /// record claims that the plan uses too (so neither pipeline removes it while the other needs
    /// it); stored before anything is written when it grows. Objects another tool put there are
    /// never claimed, so never removed.
    private func claim(
        _ survey: UploadSurvey, role: UploadPlan.Role, in store: any BlobStore, context: any StageContext
    ) async throws -> UploadRecord {
        var record = try await UploadRecord.load(pipeline: context.pipelineName, stage: context.stageName, role: role, from: store)
        let shared = survey.keys(role, present: true).intersection(try await UploadRecord.keysClaimed(besides: record, in: store))
        let owned = survey.keys(role, present: false).union(shared)
        guard !owned.isSubset(of: record.keys) else { return record }
        record.keys += owned
        try await record.write(to: store)
        return record
    }

    /// Removes what `record` lists but `planned` lacks, except keys another record claims and
    /// `tasks.json` (``TasksIndex``: a record of an older build lists it), then stores the record
    /// of what the stage owns now. Returns how many objects were removed.
    private func prune(_ record: UploadRecord, planned: Set<String>, in store: any BlobStore) async throws -> Int {
        let stale = Set(record.keys).subtracting(planned)
        guard !stale.isEmpty else { return 0 }
        // Read just before deleting, so that a pipeline that claimed a key meanwhile keeps it.
        let claimed = try await UploadRecord.keysClaimed(besides: record, in: store)
        let removable = stale.subtracting(claimed).subtracting([LightlyLayout.tasksFile]).sorted()
        for key in removable {
            try Task.checkCancellation()
            try await mapped { try await store.delete(key) }
        }
        var final = record
        final.keys = record.keys.filter(planned.contains)
        try await final.write(to: store)
        return removable.count
    }

    // MARK: - Helpers

    private func openStores(_ context: any StageContext) throws -> [UploadPlan.Role: any BlobStore] {
        var stores: [UploadPlan.Role: any BlobStore] = [:]
        for role in UploadPlan.Role.allCases {
            stores[role] = try DatasourceParameters.open(role.rawValue, context: context, environment: environment)
        }
        return stores
    }

    private func uploadOptions(_ context: any StageContext) throws -> UploadOptions {
        let options = try Options(context.parameters)
        let partSize = options.partSize, threshold = options.multipartThreshold
        guard Int64(partSize) >= UploadOptions.minimumPartSize else {
            throw StageError("parameter 'part_size' must be at least 5 MiB (5242880), not \(partSize)", code: .invalidParameter)
        }
        return UploadOptions(multipartThreshold: Int64(threshold), partSize: Int64(partSize))
    }

    /// Whether the stored object already holds the file's bytes.
    static func matches(_ object: ObjectInfo, file: URL, sha256: String) throws -> Bool {
        guard object.size == (try fileSize(file)) else { return false }
        if let stored = object.sha256 { return stored == sha256 }
        // An object written by another tool (aws s3 cp): a single-part ETag is the MD5 of the bytes.
        if let etag = object.etag, !etag.contains("-") {
            return try mapped { try FileDigest.md5(of: file) } == etag
        }
        return false
    }

    /// The size of the file a staged input names: `FileStat` follows the engine's links.
    private static func fileSize(_ file: URL) throws -> Int64 {
        guard let stat = FileStat(path: file.path) else {
            throw StageError("cannot read '\(file.path)': no such file", code: .missingInput)
        }
        return stat.size
    }
}

/// Turns ``StorageError``s into ``StageError``s that keep the datasource and key in the message.
@discardableResult
func mapped<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as StorageError { throw StageError(storage: error) }
}

@discardableResult
func mapped<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let error as StorageError { throw StageError(storage: error) }
}

extension StageError {
    init(storage error: StorageError) {
        let code: StageError.Code =
            switch error.code {
            case .invalidArgument: .invalidParameter
            case .invalidKey: .invalidInput
            case .transient, .unreachable: .transient
            default: .failed
            }
        self.init(error.description, code: code, isTransient: error.isTransient)
    }
}
