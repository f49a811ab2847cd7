import Foundation
import JSON

/// Checks a Lightly datasource and reports every problem, with its file and JSON path.
///
/// Checked: `tasks.json` (a list of valid, unique task names, each with a folder and a
/// `schema.json`); each schema (task type, unique non-negative category ids, keypoint names and
/// skeleton); every prediction file (JSON syntax, `file_name` matching the file's path, the fields
/// the task type requires, ranges, category ids present in the schema, keypoint counts matching
/// the names); the metadata schema and files (types, reserved paths, values of the declared
/// type); embeddings CSVs. With an ``InputCatalog``, every `file_name` must name a file of
/// the input or a real frame of one of its videos (right padding, index in range).
///
/// ```swift
/// let problems = try await LightlyValidator(source: LocalLightlyTree(root: dir)).validate()
/// problems.forEach { print($0) }   // "file: json.path: message"
/// ```
public struct LightlyValidator: Sendable {
    public let source: any LightlyTreeSource
    public let input: (any InputCatalog)?

    public init(source: any LightlyTreeSource, input: (any InputCatalog)? = nil) {
        self.source = source
        self.input = input
    }

    /// Every problem found, in file order; empty for a valid datasource.
    /// - Throws: only when the source cannot be listed or read (an I/O error, not a problem of the data).
    public func validate() async throws -> [LightlyProblem] {
        var run = ValidationRun()
        let files = try await source.list(prefix: LightlyLayout.root + "/")
        if files.isEmpty {
            run.report(LightlyLayout.root, "", "no .lightly folder, or it is empty: nothing to validate")
            return run.problems
        }
        try await validatePredictions(files, &run)
        try await validateMetadata(files, &run)
        for path in files where path.hasPrefix(LightlyLayout.embeddings + "/") && path.hasSuffix(".csv") {
            let text = String(decoding: try await source.read(path), as: UTF8.self)
            for problem in EmbeddingsCSV.problems(in: text) {
                run.report(path, problem.jsonPath, problem.message)
            }
        }
        if let input { try await checkReferences(&run, input) }
        return run.problems
    }

    // MARK: Predictions

    private func validatePredictions(_ files: [String], _ run: inout ValidationRun) async throws {
        let predictionFiles = files.filter { $0.hasPrefix(LightlyLayout.predictions + "/") }
        guard !predictionFiles.isEmpty else { return }
        guard predictionFiles.contains(LightlyLayout.tasksFile) else {
            run.report(LightlyLayout.tasksFile, "", "missing: the predictions folder needs a tasks.json listing its tasks")
            return
        }
        guard let tasksJSON = try await parse(LightlyLayout.tasksFile, &run) else { return }
        let tasks = run.checkTasks(tasksJSON, file: LightlyLayout.tasksFile)
        for task in tasks {
            let directory = LightlyLayout.taskDirectory(task) + "/"
            let schemaPath = LightlyLayout.schemaFile(task: task)
            guard predictionFiles.contains(schemaPath) else {
                run.report(schemaPath, "", "missing: task '\(task)' is listed in tasks.json but has no schema.json")
                continue
            }
            guard let schemaJSON = try await parse(schemaPath, &run) else { continue }
            let schema = run.checkSchema(schemaJSON, file: schemaPath)
            for path in predictionFiles where path.hasPrefix(directory) && path != schemaPath {
                guard path.hasSuffix(".json") else {
                    run.report(path, "", "not a prediction file: files in a task folder must end in .json")
                    continue
                }
                guard let json = try await parse(path, &run) else { continue }
                run.checkPredictionFile(json, file: path, task: task, schema: schema)
            }
        }
    }

    // MARK: Metadata

    private func validateMetadata(_ files: [String], _ run: inout ValidationRun) async throws {
        let metadataFiles = files.filter { $0.hasPrefix(LightlyLayout.metadata + "/") }
        guard !metadataFiles.isEmpty else { return }
        var schema: [MetadataSchemaEntry] = []
        if metadataFiles.contains(LightlyLayout.metadataSchemaFile) {
            if let json = try await parse(LightlyLayout.metadataSchemaFile, &run) {
                schema = run.checkMetadataSchema(json, file: LightlyLayout.metadataSchemaFile)
            }
        } else {
            run.report(LightlyLayout.metadataSchemaFile, "", "missing: the metadata folder needs a schema.json")
        }
        for path in metadataFiles where path != LightlyLayout.metadataSchemaFile {
            guard path.hasSuffix(".json") else {
                run.report(path, "", "not a metadata file: files in the metadata folder must end in .json")
                continue
            }
            guard let json = try await parse(path, &run) else { continue }
            run.checkMetadataFile(json, file: path, schema: schema)
        }
    }

    // MARK: Input references

    private func checkReferences(_ run: inout ValidationRun, _ input: any InputCatalog) async throws {
        var frameCounts: [String: Int?] = [:]
        func frameCount(_ video: String) async throws -> Int? {
            if let known = frameCounts[video] { return known }
            let count = try await input.frameCount(ofVideo: video)
            frameCounts[video] = count
            return count
        }
        for reference in run.references {
            let name = reference.fileName
            switch reference.expected {
            case .video:
                if try await frameCount(name) == nil {
                    run.report(reference.file, "file_name", "no video '\(name)' in the input datasource")
                }
            case .image:
                if try await !input.containsFile(name) {
                    run.report(reference.file, "file_name", "no image '\(name)' in the input datasource")
                }
            case .frame, .sample:
                if reference.expected == .sample, try await input.containsFile(name) { continue }
                guard let parsed = ParsedFrameName(name), let count = try await frameCount(parsed.videoPath) else {
                    run.report(reference.file, "file_name",
                               "'\(name)' is neither a file of the input datasource nor a frame of one of its videos")
                    continue
                }
                if case .failure(let error) = parsed.resolve(frameCount: count) {
                    run.report(reference.file, "file_name", "'\(name)': \(error.message)")
                }
            }
        }
    }

    /// Reads and parses a file; reports invalid JSON and returns nil.
    private func parse(_ path: String, _ run: inout ValidationRun) async throws -> JSONValue? {
        let data = try await source.read(path)
        do {
            return try LightlyCoding.decode(JSONValue.self, from: data, file: path)
        } catch {
            run.report(path, error.jsonPath ?? "", error.message)
            return nil
        }
    }
}
