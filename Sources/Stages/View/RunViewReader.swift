import BrowserView
import Foundation
import Labels
import Lightly
import PluginAPI
import Report
import Storage

/// Reads what the browser view shows of a Lightly datasource's latest selection run: the run's
/// `report.json` (frames, statuses, scores, the 2-D embedding), the object task's predictions,
/// which round picked each frame and the round ledger's states.
struct RunViewReader {
    let lightly: any BlobStore

    /// The scores the grid filters by, first when the run has them; others follow sorted.
    static let leadingScores = ["objectness_least_confidence", "temporal_inconsistency", "pose_implausibility", "object_frequency"]

    /// The newest selection run (tags made in the view are none) and its report.
    /// - Throws: ``StageError`` when the datasource has no run or its report is unreadable.
    func latestRun() async throws -> (SelectionRun, ReportData) {
        guard let run = try await SelectionRun.all(in: lightly).filter({ !$0.folder.isTag }).last else {
            throw StageError(
                "Lightly datasource \(lightly.location): no selection run yet (no \(SelectionRunFolder.parent)/ID/ with report.json and selected_filenames.txt); run the pipeline's schedule stage first",
                code: .missingInput)
        }
        return (run, try await report(of: run))
    }

    func document() async throws -> ViewDocument {
        let (run, report) = try await latestRun()
        let runs = try await SelectionRun.all(in: lightly).filter { !$0.folder.isTag }
        let ledger = try await RoundTable.ledger(of: lightly)
        var roundOf: [String: Int] = [:]
        for earlier in runs {
            let round = SelectionRun.round(ofTag: earlier.tag)
            for name in earlier.selected where roundOf[name] == nil { roundOf[name] = round }
        }
        let (task, predictions, schema) = try await objectTask(named: report.run.tasks ?? [])
        let category = schema?.categories.first { $0.keypointNames != nil }

        var videos: [String] = [], videoIndex: [String: Int] = [:]
        var frames: [ViewFrame] = []
        frames.reserveCapacity(report.frames.count)
        let picks = Dictionary(run.selected.enumerated().map { ($1, $0 + 1) }) { first, _ in first }
        for record in report.frames {
            guard let parsed = ParsedFrameName(record.name) else {
                throw StageError("\(run.folder.key(SelectionRunFolder.report)): '\(record.name)' is not a frame name (VIDEO-INDEX-EXT.png)", code: .invalidInput)
            }
            let video = videoIndex[parsed.videoPath] ?? {
                videos.append(parsed.videoPath)
                videoIndex[parsed.videoPath] = videos.count - 1
                return videos.count - 1
            }()
            frames.append(ViewFrame(
                name: record.name, video: video, index: parsed.index, status: Self.status(record.status),
                pick: record.status == .selected ? picks[record.name] : nil, round: roundOf[record.name],
                state: ledger.frames[record.name]?.state.rawValue, scores: record.scores,
                objects: (predictions[record.name]?.predictions ?? []).map(PictureObject.init)))
        }
        // Video order, then frame order: neighbours are adjacent.
        frames.sort { ($0.video, $0.index) < ($1.video, $1.index) }
        let position = Dictionary(frames.enumerated().map { ($1.name, $0) }) { first, _ in first }
        let scoreNames = Set(report.frames.flatMap(\.scores.keys))
        return ViewDocument(
            run: ViewRun(
                id: run.id, tag: run.tag, round: SelectionRun.round(ofTag: run.tag), created: report.run.created,
                datasource: lightly.location.description, task: task, selectionConfig: report.run.selectionConfig),
            scoreNames: Self.leadingScores.filter(scoreNames.contains) + scoreNames.subtracting(Self.leadingScores).sorted(),
            videos: videos.map { ViewVideo(name: $0, width: 0, height: 0) },
            keypointNames: category?.keypointNames ?? [], skeleton: category?.keypointSkeleton ?? [],
            frames: frames,
            embedding: report.embedding.map { view in
                ViewEmbedding(
                    level: view.level.rawValue, explainedVariance: view.explainedVariance,
                    points: view.points.compactMap { point in position[point.frame].map { (point.x, point.y, $0) } })
            })
    }

    private static func status(_ status: FrameStatus) -> ViewFrame.Status {
        switch status {
        case .selected: .selected
        case .removed: .removed
        case .datapool: .datapool
        }
    }

    private func report(of run: SelectionRun) async throws -> ReportData {
        let key = run.folder.key(SelectionRunFolder.report)
        let data = try await mapped { try await lightly.get(key, range: nil) }
        do { return try JSONDecoder().decode(ReportData.self, from: data) } catch {
            throw StageError("Lightly datasource \(lightly.location): '\(key)' is not a selection run's report: \(error)", code: .invalidInput)
        }
    }

    /// The task whose objects are drawn: the run's keypoint task, else its first task.
    private func objectTask(named tasks: [String]) async throws -> (String?, [String: PredictionFile], PredictionTaskSchema?) {
        let reader = LightlyDatasourceReader(source: BlobStoreTree(store: lightly))
        let available: [String]
        do { available = try await reader.readTaskNames() } catch {
            throw StageError("Lightly datasource \(lightly.location): \(error)", code: .invalidInput)
        }
        var chosen: PredictionTask?
        for name in (tasks.isEmpty ? available : tasks) where available.contains(name) {
            let task: PredictionTask
            do { task = try await reader.readTask(name) } catch {
                throw StageError("Lightly datasource \(lightly.location): \(error)", code: .invalidInput)
            }
            if chosen == nil || task.schema.taskType == .keypointDetection && chosen?.schema.taskType != .keypointDetection { chosen = task }
        }
        return (chosen?.name, chosen?.predictions ?? [:], chosen?.schema)
    }
}
