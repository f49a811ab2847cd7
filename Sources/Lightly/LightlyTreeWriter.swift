import Foundation

/// Writes Lightly files into a local datasource folder, each atomically (temporary file + rename).
///
/// ```swift
/// let writer = LightlyTreeWriter(root: outputDirectory)
/// try writer.writeTasks(["keypoint_rcnn_detection"])
/// try writer.writeSchema(schema, task: "keypoint_rcnn_detection")
/// try writer.writePredictions(file, task: "keypoint_rcnn_detection")
/// ```
public struct LightlyTreeWriter: Sendable {
    /// The datasource root: files go under `root/.lightly/…`.
    public let root: URL

    public init(root: URL) { self.root = root }

    public func writeTasks(_ tasks: [String]) throws(LightlyError) {
        try write(LightlyCoding.encode(tasks), to: LightlyLayout.tasksFile)
    }

    public func writeSchema(_ schema: PredictionTaskSchema, task: String) throws(LightlyError) {
        try write(LightlyCoding.encode(schema), to: LightlyLayout.schemaFile(task: task))
    }

    /// Writes `file` to `.lightly/predictions/<task>/<file name with .json>`.
    public func writePredictions(_ file: PredictionFile, task: String) throws(LightlyError) {
        try write(LightlyCoding.encode(file), to: LightlyLayout.predictionFile(task: task, sample: file.fileName))
    }

    public func writeMetadataSchema(_ entries: [MetadataSchemaEntry]) throws(LightlyError) {
        try write(LightlyCoding.encode(entries), to: LightlyLayout.metadataSchemaFile)
    }

    /// Writes `file` to `.lightly/metadata/<file name with .json>`.
    public func writeMetadata(_ file: MetadataFile) throws(LightlyError) {
        try write(LightlyCoding.encode(file), to: LightlyLayout.metadataFile(sample: file.fileName))
    }

    /// Writes raw bytes to a path relative to the root, creating folders as needed.
    public func write(_ data: Data, to path: String) throws(LightlyError) {
        let url = root.appendingPathComponent(path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw LightlyError("cannot write: \(error.localizedDescription)", code: .io, file: path, cause: error)
        }
    }
}
