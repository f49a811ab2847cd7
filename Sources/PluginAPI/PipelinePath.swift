import Foundation

/// Paths written in a pipeline (`workdir`, `file` and `path` parameters) are relative to the
/// pipeline file's folder; this is the one function that resolves them.
public enum PipelinePath {
    /// `path` as an absolute, standardised URL: as it is when absolute, else under `directory`.
    public static func resolve(_ path: String, against directory: URL, isDirectory: Bool = false) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path, isDirectory: isDirectory).standardizedFileURL }
        return directory.appendingPathComponent(path, isDirectory: isDirectory).standardizedFileURL
    }
}
