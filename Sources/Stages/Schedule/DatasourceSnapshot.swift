import Foundation
import Lightly
import PluginAPI
import Storage

/// What a selection run reads from its two datasources, listed once: the videos of the input
/// datasource and the `.lightly` files (predictions, metadata, embeddings) of the Lightly one.
/// `.lightly/runs/` is listed apart: runs write there, so it never enters a digest.
struct DatasourceSnapshot: Sendable {
    let input: any BlobStore
    let lightly: any BlobStore
    /// Videos of the input datasource, by key.
    let videos: [ObjectInfo]
    /// `.lightly/` files other than runs.
    let lightlyFiles: [ObjectInfo]
    /// Earlier runs: run id → key of its `selected_filenames.txt`.
    let runs: [String: String]

    static func list(input: any BlobStore, lightly: any BlobStore) async throws -> DatasourceSnapshot {
        let inputObjects = try await mapped { try await input.list(prefix: "") }
        let lightlyObjects = try await mapped { try await lightly.list(prefix: LightlyLayout.root + "/") }
        var runs: [String: String] = [:]
        for object in lightlyObjects {
            guard let (folder, file) = SelectionRunFolder.parse(object.key), file == SelectionRunFolder.selectedFilenames else { continue }
            runs[folder.runID] = object.key
        }
        return DatasourceSnapshot(
            input: input, lightly: lightly,
            videos: inputObjects.filter { isVideo($0.key) },
            lightlyFiles: lightlyObjects.filter { !$0.key.hasPrefix(SelectionRunFolder.parent + "/") && !$0.key.hasPrefix(LightlyLayout.root + "/tmp") },
            runs: runs)
    }

    static func isVideo(_ key: String) -> Bool {
        LightlyLayout.videoExtensions.contains(FrameName.splitExtension(key).ext.lowercased())
    }

    /// A digest of keys, sizes and ETags (no times): the same data listed later gives the same
    /// digest, so it can name a run.
    var contentDigest: String {
        Self.sha256(lines: listing(withTimes: false))
    }

    /// A digest of keys, sizes, ETags and, for local files, modification times: the external
    /// state in the cache key (docs/cache.md), so changed predictions re-run the selection.
    var stateDigest: String {
        Self.sha256(lines: listing(withTimes: true))
    }

    private func listing(withTimes: Bool) -> [String] {
        func lines(_ role: String, _ store: any BlobStore, _ objects: [ObjectInfo]) -> [String] {
            objects.map { object in
                var fields = [role, object.key, String(object.size), object.etag ?? object.sha256 ?? "-"]
                if withTimes, object.etag == nil, let time = Self.modificationTime(store, object.key) { fields.append(time) }
                return fields.joined(separator: "\t")
            }
        }
        return ["input\t\(input.location)", "lightly\t\(lightly.location)"]
            + lines("input", input, videos) + lines("lightly", lightly, lightlyFiles)
    }

    /// A local file's modification time in nanoseconds; nil for remote objects (their ETag counts).
    private static func modificationTime(_ store: any BlobStore, _ key: String) -> String? {
        guard case .file(let root) = store.location else { return nil }
        let path = root.appendingPathComponent(key).path
        // A file removed since listing has no time; its absence changes the next listing anyway.
        guard let date = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
        return String(Int64((date.timeIntervalSince1970 * 1e9).rounded()))
    }

    static func sha256(lines: [String]) -> String {
        FileDigest.sha256(of: Data(lines.joined(separator: "\n").utf8))
    }

    /// A local file path for a video, downloading remote ones into `scratch`.
    func localVideo(_ key: String, scratch: URL) async throws -> URL {
        if case .file(let root) = input.location { return root.appendingPathComponent(key) }
        let data = try await mapped { try await input.get(key, range: nil) }
        let url = scratch.appendingPathComponent(key)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw StageError("cannot store a copy of '\(input.location.objectURL(key))' in '\(url.path)': \(error.localizedDescription)")
        }
        return url
    }
}
