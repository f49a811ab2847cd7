import Foundation
import Labels
import Lightly
import PluginAPI
import Storage

/// Writes one checked import into the Lightly datasource (``LabelLayout``): the frames' label
/// files, the COCO files of the rounds, the provenance record, and the ledger last, so an import
/// killed before the ledger is written counts as not done and the next run writes it all again.
struct LabelWriter {
    /// What one import left in the datasource.
    struct Written {
        var record: ImportRecord
        /// The task's labels of every round (`coco/all-rounds.json`), `file_name`s the PNGs' keys.
        var allRounds: COCOKeypointsFile
    }

    let lightly: any BlobStore
    let task: String
    let frames: [String: SelectedFrame]

    func write(_ result: LabelImport, source: String, sha256: String, now: Date) async throws -> Written {
        var ledger = try await readLedger()
        var labels: [String: [Prediction]] = [:]
        for frame in result.frames {
            let key = LabelLayout.frameFile(task: task, frame: frame.name)
            if frame.state == .labelled {
                labels[frame.name] = frame.objects
                try await put(key, PredictionFile(fileName: frame.name, predictions: frame.objects))
            } else if try await mapped({ try await lightly.head(key) }) != nil {
                // A corrected export turned a labelled frame into a skipped or rejected one.
                try await mapped { try await lightly.delete(key) }
            }
        }
        ledger.record(result.frames, selected: frames, task: task, source: sha256)

        // COCO files of every round this task has labels in, rebuilt from the ledger.
        let labelled = ledger.frames.filter { $0.value.task == task && $0.value.state == .labelled }
        for (name, _) in labelled where labels[name] == nil {
            labels[name] = try await readLabels(name)
        }
        let schema = try await ExportStage.readSchema(task: task, lightly: lightly)
        let rounds = Set(labelled.values.map(\.round))
        for round in rounds.sorted() {
            try await put(LabelLayout.roundFile(task: task, round: round), coco(labelled.filter { $0.value.round == round }, labels: labels, schema: schema))
        }
        let allRounds = coco(labelled, labels: labels, schema: schema)
        try await put(LabelLayout.allRoundsFile(task: task), allRounds)

        let recordKey = LabelLayout.importFile(task: task, sha256: sha256)
        let earlier = try await readIfPresent(ImportRecord.self, recordKey)
        let record = ImportRecord(
            format: result.format, source: source, sha256: sha256, task: task,
            annotators: Set(result.frames.compactMap(\.annotator)).sorted(),
            importedAt: earlier?.importedAt ?? ISO8601DateFormatter().string(from: now),
            frames: Dictionary(result.frames.map { ($0.name, $0.state) }, uniquingKeysWith: { a, _ in a }),
            warnings: result.warnings)
        try await put(recordKey, record)
        try await put(LabelLayout.ledgerFile, ledger)
        return Written(record: record, allRounds: allRounds)
    }

    /// A COCO keypoints file of `entries`, images in frame-name order, `file_name` the PNG's key.
    private func coco(_ entries: [String: RoundLedger.Entry], labels: [String: [Prediction]], schema: PredictionTaskSchema) -> COCOKeypointsFile {
        var images: [COCOKeypointsFile.Image] = []
        var annotations: [COCOKeypointsFile.Annotation] = []
        for name in entries.keys.sorted() {
            guard let entry = entries[name], let frame = frames[name] else { continue }
            let imageID = images.count + 1
            images.append(.init(id: imageID, fileName: SelectionRunFolder(runID: entry.runID).key(SelectionRunFolder.frame(name)), width: frame.width,
                                height: frame.height, frameName: name, sha256: frame.sha256))
            for object in labels[name] ?? [] {
                annotations.append(.init(id: annotations.count + 1, imageID: imageID, categoryID: object.categoryID, bbox: object.bbox,
                                         keypoints: object.keypoints))
            }
        }
        let categories = schema.categories.map { category in
            COCOKeypointsFile.Category(id: category.id, name: category.name, keypoints: category.keypointNames ?? [],
                                       skeleton: (category.keypointSkeleton ?? []).map { $0.map { $0 + 1 } })
        }
        return COCOKeypointsFile(images: images, annotations: annotations, categories: categories)
    }

    private func readLedger() async throws -> RoundLedger {
        try await readIfPresent(RoundLedger.self, LabelLayout.ledgerFile) ?? RoundLedger()
    }

    private func readLabels(_ name: String) async throws -> [Prediction] {
        try await readIfPresent(PredictionFile.self, LabelLayout.frameFile(task: task, frame: name))?.predictions ?? []
    }

    private func readIfPresent<T: Decodable>(_ type: T.Type, _ key: String) async throws -> T? {
        guard try await mapped({ try await lightly.head(key) }) != nil else { return nil }
        let data = try await mapped { try await lightly.get(key, range: nil) }
        do { return try LightlyCoding.decode(T.self, from: data, file: key) } catch {
            throw StageError("Lightly datasource '\(lightly.location.description)': \(error)", code: .invalidInput)
        }
    }

    private func put<T: Encodable>(_ key: String, _ value: T) async throws {
        let data = try mapped { try LightlyCoding.encode(value) }
        _ = try await mapped { try await lightly.put(key, data: data) }
    }
}
