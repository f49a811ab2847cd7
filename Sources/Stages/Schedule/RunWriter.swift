import Foundation
import PluginAPI

/// Writes the files of an output folder (a selection run's, any stage's outputs), each atomically
/// (temporary file + rename).
struct RunWriter: Sendable {
    let folder: URL

    /// Empties the folder: a retried attempt starts from nothing.
    func removeAll() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []  // Missing folder: nothing to remove.
        for name in names {
            do { try FileManager.default.removeItem(at: folder.appendingPathComponent(name)) } catch {
                throw StageError("cannot empty the output folder '\(folder.path)': \(error.localizedDescription)")
            }
        }
    }

    func write(_ data: Data, to path: String) throws {
        let url = folder.appendingPathComponent(path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw StageError("cannot write '\(url.path)': \(error.localizedDescription)")
        }
    }

    func read(_ path: String) throws -> Data {
        do { return try Data(contentsOf: folder.appendingPathComponent(path)) } catch {
            throw StageError("cannot read '\(folder.appendingPathComponent(path).path)': \(error.localizedDescription)")
        }
    }

    /// Every file in the folder, relative, sorted.
    func files() throws -> [String] {
        let base = folder.standardizedFileURL.path + "/"
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw StageError("cannot list '\(folder.path)'")
        }
        var files: [String] = []
        for case let url as URL in enumerator {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            if path.hasPrefix(base) { files.append(String(path.dropFirst(base.count))) }
        }
        return files.sorted()
    }
}
