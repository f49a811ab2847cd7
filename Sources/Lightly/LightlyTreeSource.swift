import Foundation

/// Read access to a Lightly datasource, wherever it lives (a local folder, an S3 prefix).
///
/// Paths are relative to the datasource root (the folder that holds `.lightly/`), with `/`
/// separators: `.lightly/predictions/tasks.json`.
///
/// Implementers must: list every file (not folder) whose path starts with `prefix`, at any
/// depth, in bytewise order; and make `read` of a listed path return its bytes. A test an
/// implementation must pass: after writing a tree with ``LightlyTreeWriter`` into it,
/// ``LightlyDatasourceReader`` returns the values written.
public protocol LightlyTreeSource: Sendable {
    /// Paths of all files under `prefix` (`""` for all), sorted bytewise.
    func list(prefix: String) async throws -> [String]
    /// The contents of the file at `path`.
    func read(_ path: String) async throws -> Data
}

/// A ``LightlyTreeSource`` over a local directory.
public struct LocalLightlyTree: LightlyTreeSource {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    public func list(prefix: String) async throws -> [String] {
        // Start at the deepest folder named by the prefix so a listing of one task does not walk the others.
        let folder = prefix.split(separator: "/", omittingEmptySubsequences: true).dropLast(prefix.hasSuffix("/") ? 0 : 1)
            .joined(separator: "/")
        let start = folder.isEmpty ? root : root.appendingPathComponent(folder, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: start.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return []
        }
        guard let enumerator = FileManager.default.enumerator(atPath: start.path) else {
            throw LightlyError("cannot list '\(start.path)'", code: .io)
        }
        var paths: [String] = []
        // The enumerator yields paths relative to `start`, whatever symbolic links the root goes through.
        while let relative = enumerator.nextObject() as? String {
            switch enumerator.fileAttributes?[.type] as? FileAttributeType {
            case .typeRegular?: break
            case .typeSymbolicLink?:
                // The workdir's out/ views link to committed objects: follow links to files.
                var linkIsDirectory: ObjCBool = false
                let target = start.appendingPathComponent(relative).path
                guard FileManager.default.fileExists(atPath: target, isDirectory: &linkIsDirectory), !linkIsDirectory.boolValue
                else { continue }
            default: continue
            }
            let path = folder.isEmpty ? relative : "\(folder)/\(relative)"
            if path.hasPrefix(prefix) { paths.append(path) }
        }
        return paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public func read(_ path: String) async throws -> Data {
        do {
            return try Data(contentsOf: root.appendingPathComponent(path))
        } catch {
            throw LightlyError("cannot read: \(error.localizedDescription)", code: .io, file: path, cause: error)
        }
    }
}
