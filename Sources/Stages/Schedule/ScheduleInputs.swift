import Foundation
import JSON
import Lightly
import PluginAPI
import Selection

/// The candidates of a selection run and everything the selection needs about them, read from
/// the Lightly datasource: frames that have a prediction file of some task the config names (of
/// any task when it names none), in video order.
struct ScheduleInputs: Sendable {
    struct Candidate: Sendable, Hashable {
        /// The frame name (`clips/game-007-mp4.png`).
        var name: String
        /// The video's key in the input datasource.
        var video: String
        var index: Int
    }

    var candidates: [Candidate]
    var selection: SelectionInputs
    /// The task whose objects are cropped and counted (the object-level task of the config).
    var objectTask: String?
    /// The object task's predictions per candidate (empty lists without a task).
    var objects: [[Lightly.Prediction]]
    /// Frame embeddings written to `embeddings.csv`, one row per candidate.
    var frameEmbeddings: EmbeddingMatrix?
    /// Where the frame embeddings came from (pose, appearance, custom file).
    var frameEmbeddingSource: String
    var warnings: [String]

    /// Reads predictions, metadata and embeddings, and marks the frames of earlier runs.
    /// Frames in `excluded` (labelled or rejected in the round ledger) are no candidates.
    static func load(
        snapshot: DatasourceSnapshot, settings: ScheduleSettings, embeddingModel: AppearanceModel?, datapool: Set<String>,
        excluded: Set<String> = []
    ) async throws -> ScheduleInputs {
        let lightlyURL = snapshot.lightly.location.description
        let datasource: LightlyDatasource
        do {
            // A named task that tasks.json lacks: read every task, so that the selection's error
            // names it with the tasks there are ("did you mean").
            let only = snapshot.tasks.flatMap { Set(snapshot.listedTasks) == $0 ? $0 : nil }
            datasource = try await LightlyDatasourceReader(source: BlobStoreTree(store: snapshot.lightly)).read(only: only)
        } catch let error as LightlyError {
            throw StageError("Lightly datasource \(lightlyURL): \(error.description)", code: .invalidInput)
        } catch {
            throw StageError("Lightly datasource \(lightlyURL): \(error)", code: .invalidInput)
        }
        var warnings: [String] = []
        let videos = Set(snapshot.videos.map(\.key))

        var byName: [String: Candidate] = [:]
        var strays: [String] = []
        for task in datasource.tasks {
            for name in task.predictions.keys where byName[name] == nil && !excluded.contains(name) {
                if let parsed = ParsedFrameName(name), parsed.imageExtension == "png", videos.contains(parsed.videoPath) {
                    byName[name] = Candidate(name: name, video: parsed.videoPath, index: parsed.index)
                } else {
                    strays.append(name)
                }
            }
        }
        if !strays.isEmpty {
            let examples = Set(strays).sorted().prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            warnings.append(
                "\(Set(strays).count) prediction files do not name a frame of a video in the input datasource \(snapshot.input.location) and are ignored (e.g. \(examples))")
        }
        let candidates = byName.values.sorted { a, b in
            a.video != b.video ? a.video.utf8.lexicographicallyPrecedes(b.video.utf8) : a.index < b.index
        }

        var tasks: [TaskPredictions] = []
        var predictionsByTask: [String: [[Lightly.Prediction]]] = [:]
        for task in datasource.tasks {
            let perFrame = candidates.map { task.predictions[$0.name]?.predictions ?? [] }
            let missing = candidates.filter { task.predictions[$0.name] == nil }
            if !missing.isEmpty {
                let examples = missing.prefix(3).map { "'\(LightlyLayout.predictionFile(task: task.name, sample: $0.name))'" }
                    .joined(separator: ", ")
                warnings.append(
                    "task '\(task.name)': \(missing.count) of \(candidates.count) frames have no prediction file in \(lightlyURL) and count as no predictions (e.g. \(examples))")
            }
            predictionsByTask[task.name] = perFrame
            guard let type = Selection.TaskType(rawValue: task.schema.taskType.rawValue) else { continue }
            let detections = perFrame.map { predictions in
                predictions.map { prediction in
                    Detection(
                        categoryID: prediction.categoryID,
                        score: prediction.score ?? prediction.probabilities?.max() ?? 1,
                        probabilities: prediction.probabilities, keypoints: prediction.keypoints)
                }
            }
            tasks.append(TaskPredictions(
                name: task.name, type: type,
                categories: Dictionary(task.schema.categories.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }),
                detections: detections,
                objectEmbeddings: try poseEmbeddings(perFrame)))
        }

        let objectTask = primaryTask(settings.selectionConfig, datasource: datasource)
        let objects: [[Lightly.Prediction]] = objectTask.flatMap { predictionsByTask[$0] } ?? candidates.map { _ in [] }
        var objectEmbedding = "pose"
        if let embeddingModel {
            let url = embeddingModel.file.url
            guard let index = tasks.firstIndex(where: { $0.name == objectTask }) else {
                throw StageError("embedding_model: the datasource \(lightlyURL) has no task to embed the objects of", code: .missingInput)
            }
            let embedder = try AppearanceEmbedder(url: url, inputSize: embeddingModel.inputSize)
            tasks[index].objectEmbeddings = try await embedder.embed(candidates: candidates, objects: objects, snapshot: snapshot)
            objectEmbedding = "appearance (\(url.lastPathComponent))"
        }

        var frameEmbeddings: EmbeddingMatrix?
        var source = "none"
        if let file = settings.customEmbeddings {
            frameEmbeddings = try await customEmbeddings(file, snapshot: snapshot, candidates: candidates)
            source = "custom: \(LightlyLayout.embeddings)/\(file)"
        } else if let task = tasks.first(where: { $0.name == objectTask && $0.objectEmbeddings != nil })
                    ?? tasks.first(where: { $0.objectEmbeddings != nil }), let objectEmbeddings = task.objectEmbeddings {
            var offsets = [0]
            for detections in task.detections { offsets.append(offsets[offsets.count - 1] + detections.count) }
            frameEmbeddings = objectEmbeddings.groupMeans(offsets: offsets)
            source = "\(task.name == objectTask ? objectEmbedding : "pose") (mean of the objects of task '\(task.name)')"
        }
        if settings.normalizesEmbeddings { frameEmbeddings = frameEmbeddings?.normalizedRows() }

        let frames = candidates.map { candidate in
            Frame(
                name: candidate.name, video: candidate.video,
                metadata: metadata(for: candidate, in: datasource.metadata),
                isInDatapool: datapool.contains(candidate.name), index: candidate.index)
        }
        var kinds: [String: MetadataKind] = [:]
        for entry in datasource.metadata?.schema ?? [] {
            kinds[entry.path] = entry.valueDataType.isNumeric ? .numeric : .categorical
        }
        return ScheduleInputs(
            candidates: candidates,
            selection: SelectionInputs(frames: frames, tasks: tasks, frameEmbeddings: frameEmbeddings, metadataKinds: kinds),
            objectTask: objectTask, objects: objects, frameEmbeddings: frameEmbeddings, frameEmbeddingSource: source,
            warnings: warnings)
    }

    /// The task of the config's object-level EMBEDDINGS, else of its first SCORES or PREDICTIONS,
    /// else the datasource's first keypoint task, else its first task.
    static func primaryTask(_ config: SelectionConfig, datasource: LightlyDatasource) -> String? {
        for entry in config.strategies { if case .embeddings(let task?) = entry.input { return task } }
        for entry in config.strategies {
            switch entry.input {
            case .scores(let task, _), .predictions(let task, _, _): return task
            default: continue
            }
        }
        return datasource.tasks.first { $0.schema.taskType == .keypointDetection }?.name ?? datasource.tasks.first?.name
    }

    /// Pose embeddings (the default object embedding) of every object with keypoints, frame by
    /// frame; nil when the task has no keypoints (object DIVERSITY then needs custom embeddings).
    static func poseEmbeddings(_ perFrame: [[Lightly.Prediction]]) throws -> EmbeddingMatrix? {
        let keypointCount = perFrame.joined().map { ($0.keypoints?.count ?? 0) / 3 }.max() ?? 0
        guard keypointCount > 0 else { return nil }
        let dimension = PoseEmbedding.dimension(keypointCount: keypointCount)
        var values: [Float] = []
        for prediction in perFrame.joined() {
            var keypoints = prediction.keypoints ?? []
            keypoints.removeLast(keypoints.count % 3)
            var vector = PoseEmbedding.make(keypoints: keypoints, box: prediction.bbox)
            vector.append(contentsOf: repeatElement(0, count: dimension - vector.count))
            values.append(contentsOf: vector)
        }
        return try EmbeddingMatrix(dimension: dimension, values: values)
    }

    /// Metadata values of a frame by schema path: the frame's own file, else its video's, else
    /// the schema default.
    static func metadata(for candidate: Candidate, in collection: MetadataCollection?) -> [String: MetadataValue] {
        guard let collection else { return [:] }
        var values: [String: MetadataValue] = [:]
        for entry in collection.schema {
            let value = collection.files[candidate.name]?.value(atPath: entry.path)
                ?? collection.value(atPath: entry.path, sample: candidate.video)
            if let value = value.flatMap(metadataValue) { values[entry.path] = value }
        }
        return values
    }

    static func metadataValue(_ json: JSONValue) -> MetadataValue? {
        if let bool = json.boolValue { return .bool(bool) }
        if let string = json.stringValue { return .string(string) }
        if let number = json.doubleValue { return .number(number) }
        return nil
    }

    /// A custom embeddings CSV as frame embeddings; every candidate needs a row.
    static func customEmbeddings(
        _ file: String, snapshot: DatasourceSnapshot, candidates: [Candidate]
    ) async throws -> EmbeddingMatrix {
        let key = "\(LightlyLayout.embeddings)/\(file)"
        let location = "Lightly datasource \(snapshot.lightly.location): \(key)"
        guard snapshot.lightlyFiles.contains(where: { $0.key == key }) else {
            let known = snapshot.lightlyFiles.map(\.key).filter { $0.hasPrefix(LightlyLayout.embeddings + "/") }
            throw StageError(
                "\(location): no such file (worker_config.embeddings); "
                    + (known.isEmpty ? "\(LightlyLayout.embeddings)/ is empty" : "found: \(known.joined(separator: ", "))"),
                code: .missingInput)
        }
        let data = try await mapped { try await snapshot.lightly.get(key, range: nil) }
        let rows: [EmbeddingRow]
        do {
            rows = try EmbeddingsCSV.read(String(decoding: data, as: UTF8.self))
        } catch {
            throw StageError("\(location): \(error.description)", code: .invalidInput)
        }
        let byName = Dictionary(rows.map { ($0.fileName, $0.embedding) }, uniquingKeysWith: { a, _ in a })
        let missing = candidates.filter { byName[$0.name] == nil }
        guard missing.isEmpty else {
            throw StageError(
                "\(location): \(missing.count) of \(candidates.count) frames have no row (e.g. '\(missing[0].name)')",
                code: .invalidInput)
        }
        do {
            return try EmbeddingMatrix(rows: candidates.map { byName[$0.name, default: []].map { Float($0) } })
        } catch {
            throw StageError("\(location): \(error)", code: .invalidInput)
        }
    }
}
