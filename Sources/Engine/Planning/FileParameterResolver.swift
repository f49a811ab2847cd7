import Foundation
import JSON
import PluginAPI

/// Resolves `file` parameters to what stages and keys read (``ResolvedFile``: the absolute URL
/// and the content digest, through the run's ``SourceDigester``, so an unchanged file is not
/// read again): once per stage and run for a path written as final text, once per item for a
/// template (`${item.stem}.pt`).
struct FileParameterResolver: Sendable {
    /// Told of every resolution: lets a test count them without reading logs.
    @TaskLocal static var observer: (@Sendable (ResolvedFile) -> Void)?

    let digester: SourceDigester
    /// What relative paths resolve against: the pipeline's folder.
    let directory: URL

    /// The parameters of `names` that `values` sets to a path, resolved.
    /// - Throws: ``CacheError`` when a file cannot be read.
    func resolve(_ names: [String], in values: [String: JSONValue]) throws -> [String: ResolvedFile] {
        var files: [String: ResolvedFile] = [:]
        for name in names {
            guard let path = values[name]?.stringValue, !path.isEmpty else { continue }
            let url = PipelinePath.resolve(path, against: directory)
            let file = ResolvedFile(url: url, digest: try digester.digest(of: url))
            Self.observer?(file)
            files[name] = file
        }
        return files
    }
}
