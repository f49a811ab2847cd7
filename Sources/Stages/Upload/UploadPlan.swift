import Foundation
import Lightly
import PluginAPI
import Storage

/// What `upload` sends: the `foreach` source files to `input`, the upstream `.lightly` trees to `lightly`.
struct UploadPlan: Sendable {
    enum Role: String, Sendable, Codable, CaseIterable {
        case input, lightly
    }

    struct Entry: Sendable, Hashable {
        var role: Role
        var key: String
        var file: URL
        /// The engine's digest of a source file, reused while the file's stat is unchanged.
        var digest: SourceDigest?

        /// The file's SHA-256: the known digest if the file is unchanged since, else read from the file.
        func sha256() throws -> String {
            if let known = digest?.currentSHA256(of: file) { return known }
            return try mapped { try FileDigest.sha256(of: file) }
        }
    }

    var entries: [Entry]
    /// The prediction tasks the upstream `tasks.json` files list, in order of first appearance: not
    /// an entry, since `tasks.json` is an index that every upload into the datasource shares
    /// (``TasksIndex``).
    var tasks: [String]

    /// Collects the item's files. Two upstream items offering the same `.lightly` key with
    /// different bytes is an error (which one would win is arbitrary), except `tasks.json`, whose
    /// lists are merged.
    static func make(for item: StageItem) throws -> UploadPlan {
        var entries: [Entry] = item.sources.map { Entry(role: .input, key: $0.key, file: $0.path, digest: $0.digest) }
        var lightly: [String: URL] = [:]
        var tasks: [String] = []
        for stage in item.inputs.keys.sorted() {
            guard let directory = item.inputs[stage] else { continue }
            for tree in try lightlyDirectories(under: directory) {
                for (relative, file) in try files(under: tree) {
                    let key = ".lightly/" + relative
                    if key == LightlyLayout.tasksFile {
                        for task in try taskNames(in: file) where !tasks.contains(task) { tasks.append(task) }
                        continue
                    }
                    if let existing = lightly[key], existing != file {
                        guard FileManager.default.contentsEqual(atPath: existing.path, andPath: file.path) else {
                            throw StageError(
                                "two upstream items write '\(key)' with different contents ('\(existing.path)' and '\(file.path)')",
                                code: .invalidInput)
                        }
                        continue
                    }
                    lightly[key] = file
                }
            }
        }
        entries += lightly.map { Entry(role: .lightly, key: $0.key, file: $0.value) }
        entries.sort { ($0.role.rawValue, $0.key) < ($1.role.rawValue, $1.key) }
        var seen = Set<String>()
        for entry in entries where entry.role == .input {
            guard seen.insert(entry.key).inserted else {
                throw StageError("two source files have the key '\(entry.key)'", code: .invalidInput)
            }
        }
        return UploadPlan(entries: entries, tasks: tasks)
    }

    /// The task names of an upstream `tasks.json`.
    private static func taskNames(in file: URL) throws -> [String] {
        do {
            return try LightlyCoding.decode([String].self, from: Data(contentsOf: file), file: file.path)
        } catch let error as LightlyError {
            throw StageError("upstream \(error.description)", code: .invalidInput)
        } catch {
            throw StageError("cannot read the upstream '\(file.path)': \(error.localizedDescription)", code: .missingInput)
        }
    }

    // Upstream outputs are read-only views that may be symbolic links: follow them, with a depth
    // limit against link cycles.
    private static let maximumDepth = 64

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }

    private static func children(_ directory: URL) throws -> [URL] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                .map { directory.appendingPathComponent($0) }
        } catch {
            throw StageError("cannot read the upstream directory '\(directory.path)': \(error.localizedDescription)",
                             code: .missingInput)
        }
    }

    /// Every directory named `.lightly` under `directory` (not inside another `.lightly`).
    static func lightlyDirectories(under directory: URL, depth: Int = 0) throws -> [URL] {
        guard depth < maximumDepth, isDirectory(directory) else { return [] }
        if directory.lastPathComponent == ".lightly" { return [directory] }
        return try children(directory).flatMap { try lightlyDirectories(under: $0, depth: depth + 1) }
    }

    /// Every regular file under `directory`, as (relative path, URL), sorted by path.
    static func files(under directory: URL, relativeTo prefix: String = "", depth: Int = 0) throws -> [(String, URL)] {
        guard depth < maximumDepth else { return [] }
        var result: [(String, URL)] = []
        for child in try children(directory) {
            let relative = prefix + child.lastPathComponent
            if isDirectory(child) {
                result += try files(under: child, relativeTo: relative + "/", depth: depth + 1)
            } else if FileManager.default.fileExists(atPath: child.path) {
                result.append((relative, child))
            }
        }
        return result
    }
}
