import Foundation
import Lightly
import PluginAPI
import Report
import Selection

/// Builds the run's ``ReportData`` (report.json) from its inputs and result.
enum RunReport {
    /// The report's `created`: outputs hold no wall-clock times, so it is `SOURCE_DATE_EPOCH`
    /// (the reproducible-builds convention) when set, else none (a made-up 1970 date would read
    /// as a bug; the run's real times are in the engine's `runs`).
    static func created(environment: [String: String]) -> String? {
        guard let seconds = environment["SOURCE_DATE_EPOCH"].flatMap(Int.init) else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static func make(
        runID: String, tag: String, snapshot: DatasourceSnapshot, settings: ScheduleSettings, inputs: ScheduleInputs,
        result: SelectionResult, crops: [RunImages.Crop], steps: [StageSummary], totalSeconds: Double, rounds: [RoundRecord] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ReportData {
        let selected = Set(result.selectedFrames)
        let frames = inputs.selection.frames
        let objectTask = inputs.objectTask.flatMap { inputs.selection.task(named: $0) }
        var scores: [(String, [Double])] = []
        if let objectTask {
            for name in ScoreCatalog.names(for: objectTask.type) {
                if let values = ScoreCatalog.frameScores(name, of: objectTask, frames: frames) { scores.append((name, values)) }
            }
        }
        func status(_ index: Int) -> FrameStatus {
            frames[index].isInDatapool ? .datapool : selected.contains(index) ? .selected : .removed
        }
        let records = inputs.candidates.indices.map { index in
            FrameRecord(
                name: inputs.candidates[index].name, video: inputs.candidates[index].video,
                objects: inputs.objects[index].count, status: status(index),
                scores: Dictionary(scores.compactMap { name, values in values[index].isFinite ? (name, values[index]) : nil },
                                   uniquingKeysWith: { a, _ in a }))
        }
        return ReportData(
            run: RunInformation(
                runId: runID, tag: tag, created: created(environment: environment),
                inputDatasource: snapshot.input.location.description, lightlyDatasource: snapshot.lightly.location.description,
                tasks: inputs.selection.tasks.map(\.name).sorted(), selectionConfig: settings.selectionConfigJSON,
                totalSeconds: totalSeconds),
            stages: steps, frames: records, videoTarget: videoTarget(settings.selectionConfig),
            embedding: embeddingView(inputs: inputs, objectTask: objectTask, status: status),
            selectedFrames: pictures(inputs: inputs, picks: result.selectedFrames),
            gallery: crops.map { GalleryCrop(path: $0.path, frame: $0.frame, score: $0.score, keypoints: $0.keypoints) },
            rounds: rounds)
    }

    /// The selected frames in pick order, with the object task's predictions in frame pixels.
    static func pictures(inputs: ScheduleInputs, picks: [Int]) -> [FramePicture] {
        picks.enumerated().map { position, frame in
            let name = inputs.candidates[frame].name
            return FramePicture(
                path: SelectionRunFolder.frame(name), frame: name, pick: position + 1,
                objects: inputs.objects[frame].map(PictureObject.init))
        }
    }

    /// The BALANCE target on the `video_name` metadata, if the config has one.
    static func videoTarget(_ config: SelectionConfig) -> [String: Double]? {
        for entry in config.strategies {
            if case .metadata(let key) = entry.input, key == "video_name", entry.strategy.kind == .balance, let target = entry.strategy.target {
                return target
            }
        }
        return nil
    }

    /// The 2-D view of the object task's embeddings coloured by prediction score, else of the
    /// frame embeddings; nil when there are too few points to project.
    static func embeddingView(
        inputs: ScheduleInputs, objectTask: TaskPredictions?, status: (Int) -> FrameStatus
    ) -> EmbeddingView? {
        if let task = objectTask, let matrix = task.objectEmbeddings, matrix.count >= 3 {
            var vectors: [[Double]] = [], scores: [Double] = [], selected: [Bool] = [], names: [String] = []
            var row = 0
            for (frame, detections) in task.detections.enumerated() {
                for detection in detections {
                    vectors.append(matrix.row(row).map(Double.init))
                    scores.append(detection.score)
                    selected.append(status(frame) == .selected)
                    names.append(inputs.candidates[frame].name)
                    row += 1
                }
            }
            // A degenerate projection (all points equal) leaves the report without the view.
            if let view = try? EmbeddingView(
                projecting: vectors, level: .objects, scoreName: "prediction_score", scores: scores, selected: selected, frames: names) {
                return view
            }
        }
        guard let matrix = inputs.frameEmbeddings, matrix.count >= 3 else { return nil }
        let frameScores = objectTask.map { task in
            task.detections.map { $0.isEmpty ? 0 : $0.map(\.score).reduce(0, +) / Double($0.count) }
        } ?? Array(repeating: 0, count: matrix.count)
        // As above: a degenerate projection leaves the report without the view.
        return try? EmbeddingView(
            projecting: (0..<matrix.count).map { matrix.row($0).map(Double.init) }, level: .frames,
            scoreName: "mean_prediction_score", scores: frameScores,
            selected: (0..<matrix.count).map { status($0) == .selected }, frames: inputs.candidates.map(\.name))
    }
}
