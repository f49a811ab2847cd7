import Foundation

/// Reads a whole Lightly datasource through a ``LightlyTreeSource``.
///
/// ```swift
/// let datasource = try await LightlyDatasourceReader(source: LocalLightlyTree(root: dir)).read()
/// let poses = datasource.task(named: "keypoint_rcnn_detection")
/// ```
///
/// The reader checks structure (JSON syntax, required fields, types, a `file_name` that matches
/// the file's path); ranges and cross-file rules are ``LightlyValidator``'s job.
public struct LightlyDatasourceReader: Sendable {
    public let source: any LightlyTreeSource
    /// How many files are read at once (matters for remote sources).
    public var concurrency: Int

    public init(source: any LightlyTreeSource, concurrency: Int = 16) {
        self.source = source
        self.concurrency = max(1, concurrency)
    }

    /// Reads the tasks listed in `tasks.json` (with `only`, those of them it names; the others'
    /// files are never read) and the metadata.
    ///
    /// A datasource without `.lightly/predictions/` has no tasks; one without
    /// `.lightly/metadata/schema.json` has no metadata.
    /// - Throws: ``LightlyError`` naming the file and JSON path of the first problem.
    public func read(only: Set<String>? = nil) async throws -> LightlyDatasource {
        let files = try await listing(LightlyLayout.root + "/")
        var tasks: [PredictionTask] = []
        if files.contains(LightlyLayout.tasksFile) {
            for name in try await readTaskNames() where only?.contains(name) ?? true {
                tasks.append(try await readTask(name, listing: files))
            }
        } else if let stray = files.first(where: { $0.hasPrefix(LightlyLayout.predictions + "/") }) {
            throw LightlyError(
                "the datasource has predictions ('\(stray)') but no tasks.json listing their tasks",
                code: .missingFile, file: LightlyLayout.tasksFile)
        }
        let metadata = files.contains(LightlyLayout.metadataSchemaFile) ? try await readMetadata(listing: files) : nil
        return LightlyDatasource(tasks: tasks, metadata: metadata)
    }

    /// The task names of `tasks.json`.
    public func readTaskNames() async throws -> [String] {
        try await decode([String].self, LightlyLayout.tasksFile)
    }

    /// One task: its schema and every prediction file under its folder.
    public func readTask(_ name: String) async throws -> PredictionTask {
        try await readTask(name, listing: listing(LightlyLayout.taskDirectory(name) + "/"))
    }

    /// The metadata schema and every metadata file.
    public func readMetadata() async throws -> MetadataCollection {
        try await readMetadata(listing: listing(LightlyLayout.metadata + "/"))
    }

    private func readTask(_ name: String, listing files: [String]) async throws -> PredictionTask {
        let directory = LightlyLayout.taskDirectory(name) + "/"
        let schemaPath = LightlyLayout.schemaFile(task: name)
        guard files.contains(schemaPath) else {
            throw LightlyError("task '\(name)' is listed in tasks.json but has no schema.json", code: .missingFile, file: schemaPath)
        }
        let schema = try await decode(PredictionTaskSchema.self, schemaPath)
        let paths = files.filter { $0.hasPrefix(directory) && $0 != schemaPath && $0.hasSuffix(".json") }
        var predictions: [String: PredictionFile] = [:]
        for (path, file) in try await decodeAll(PredictionFile.self, paths) {
            try checkSidecar(path: path, expected: LightlyLayout.predictionFile(task: name, sample: file.fileName))
            predictions[file.fileName] = file
        }
        return PredictionTask(name: name, schema: schema, predictions: predictions)
    }

    private func readMetadata(listing files: [String]) async throws -> MetadataCollection {
        let schema = try await decode([MetadataSchemaEntry].self, LightlyLayout.metadataSchemaFile)
        let paths = files.filter {
            $0.hasPrefix(LightlyLayout.metadata + "/") && $0 != LightlyLayout.metadataSchemaFile && $0.hasSuffix(".json")
        }
        var metadata: [String: MetadataFile] = [:]
        for (path, file) in try await decodeAll(MetadataFile.self, paths) {
            try checkSidecar(path: path, expected: LightlyLayout.metadataFile(sample: file.fileName))
            metadata[file.fileName] = file
        }
        return MetadataCollection(schema: schema, files: metadata)
    }

    private func checkSidecar(path: String, expected: String) throws {
        guard path == expected else {
            throw LightlyError(
                "file_name does not match the file's path: expected the file at '\(expected)'",
                code: .invalidContent, file: path, jsonPath: "file_name")
        }
    }

    private func listing(_ prefix: String) async throws -> [String] {
        do { return try await source.list(prefix: prefix) } catch let error as LightlyError { throw error } catch {
            throw LightlyError("cannot list: \(error)", code: .io, file: prefix, cause: error)
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        let data: Data
        do { data = try await source.read(path) } catch let error as LightlyError { throw error } catch {
            throw LightlyError("cannot read: \(error)", code: .io, file: path, cause: error)
        }
        return try LightlyCoding.decode(T.self, from: data, file: path)
    }

    /// Decodes `paths` with at most `concurrency` reads in flight; results in `paths` order.
    private func decodeAll<T: Decodable & Sendable>(_ type: T.Type, _ paths: [String]) async throws -> [(String, T)] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: paths.count)
            var next = 0
            func startNext() {
                guard next < paths.count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await decode(T.self, paths[index])) }
            }
            for _ in 0..<min(concurrency, paths.count) { startNext() }
            while let (index, value) = try await group.next() {
                results[index] = value
                startNext()
            }
            return zip(paths, results).compactMap { path, value in value.map { (path, $0) } }
        }
    }
}
