import Foundation
import GRDB

/// The progress units committed by attempts at a cache key (`checkpoints`, `checkpoint_files`),
/// so that the next attempt resumes after them.
public struct CheckpointUnitStore: Sendable {
    let database: CacheDatabase

    /// A unit file with its object's size (nil when the object row is missing: size 0, as ever).
    private struct UnitFile: Decodable, FetchableRecord {
        var file: CheckpointFileRecord
        var object: ObjectRecord?
    }

    /// Units committed under `cacheKey`, oldest first, with their files.
    public func units(_ cacheKey: String) throws -> [(sequence: Int, cursor: Int, files: [OutputFile])] {
        try database.read("reading checkpoints of \(cacheKey)") { db in
            let units = try CheckpointRecord.filter { $0.cacheKey == cacheKey }.order(\.sequence).fetchAll(db)
            let files = try CheckpointFileRecord
                .filter { $0.cacheKey == cacheKey }
                .including(optional: CheckpointFileRecord.object)
                .order { [$0.sequence, $0.path] }
                .asRequest(of: UnitFile.self)
                .fetchAll(db)
            let bySequence = Dictionary(grouping: files, by: \.file.sequence)
            return units.map { unit in
                let files = (bySequence[unit.sequence] ?? []).map {
                    OutputFile(path: $0.file.path, digest: $0.file.digest, size: $0.object?.size ?? 0)
                }
                return (unit.sequence, unit.cursor, files)
            }
        }
    }

    /// Records a unit whose files are already in the object store; returns its sequence number.
    public func commit(_ cacheKey: String, cursor: Int, files: [OutputFile]) async throws -> Int {
        let now = Date()
        return try await database.write("committing a checkpoint of \(cacheKey)") { db in
            let last = CheckpointRecord.filter { $0.cacheKey == cacheKey }.select({ max($0.sequence) }, as: Int.self)
            let sequence = (try last.fetchOne(db) ?? -1) + 1
            try CheckpointRecord(cacheKey: cacheKey, sequence: sequence, cursor: cursor, createdAt: now).insert(db)
            for file in files {
                try ObjectRecord.insertIfMissing(file, db)
                try CheckpointFileRecord(cacheKey: cacheKey, sequence: sequence, path: file.path, digest: file.digest).insert(db)
            }
            return sequence
        }
    }

    /// Drops the units committed under `cacheKey`, so the next attempt starts from scratch (a
    /// `--force`d item); their objects go at the next `cache gc`.
    public func drop(_ cacheKey: String) async throws {
        try await database.write("dropping the checkpoints of \(cacheKey)") { db in
            try CheckpointRecord.deleteAll(of: cacheKey, db)
        }
    }

    /// How far the last attempts at a key got: their units and the highest cursor.
    private struct Progress: Decodable, FetchableRecord {
        var units: Int
        var cursor: Int?
    }

    /// The progress of the last attempts at `cacheKey`, or `nil` when no unit is committed.
    public func progress(_ cacheKey: String) throws -> (units: Int, cursor: Int)? {
        try database.read("reading checkpoints of \(cacheKey)") { db in
            let progress = try CheckpointRecord
                .filter { $0.cacheKey == cacheKey }
                .select { [count($0.sequence).forKey("units"), max($0.cursor).forKey("cursor")] }
                .asRequest(of: Progress.self)
                .fetchOne(db)
            guard let progress, progress.units > 0, let cursor = progress.cursor else { return nil }
            return (progress.units, cursor)
        }
    }
}
