import Foundation
import PluginAPI
import Storage

/// Everything `orchestrate view` reads, as one digest of listings: the input datasource's videos
/// and the Lightly datasource's `.lightly/` files (predictions, runs, the round ledger) with their
/// sizes and ETags, digests or, for local files, `stat` times and inodes. The view folder's
/// ``ViewMemo`` keeps it: while it is the same, a re-run reads no prediction file.
enum ViewInputs {
    static func digest(of snapshot: DatasourceSnapshot) -> String {
        func lines(_ role: String, _ store: any BlobStore, _ objects: [ObjectInfo]) -> [String] {
            let root: URL? = if case .file(let root) = store.location { root } else { nil }
            return objects.map { object in
                [role, object.key, String(object.size), object.etag ?? object.sha256 ?? root.map { version(of: $0.appendingPathComponent(object.key)) } ?? "-"]
                    .joined(separator: "\t")
            }
        }
        return DatasourceSnapshot.sha256(
            lines: ["input\t\(snapshot.input.location)", "lightly\t\(snapshot.lightly.location)"]
                + lines("input", snapshot.input, snapshot.videos)
                + lines("lightly", snapshot.lightly, snapshot.lightlyFiles + snapshot.runAndLabelFiles))
    }

    /// A local file's modification time (nanoseconds) and inode: a file rewritten in place or
    /// replaced by a rename changes one of them.
    private static func version(of file: URL) -> String {
        guard let stat = FileStat(path: file.path) else { return "missing" }
        return "\(stat.mtimeNanoseconds)-\(stat.inode)"
    }
}
