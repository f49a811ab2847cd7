import Foundation
public import JSON
import Labels
import Lightly
import PluginAPI
import Report
import Storage

/// What `orchestrate serve --triage` writes to the Lightly datasource: triage decisions into the
/// round ledger (`RoundLedger`, the one ledger type) and tags of chosen frames as run folders
/// that `export`'s `tag` parameter reads. Each call reads, changes and writes the ledger whole:
/// `orchestrate serve` answers one request at a time.
public struct ViewTriage: Sendable {
    /// A triage key's meaning.
    public enum Decision: String, Sendable {
        /// Keep the frame for export: clears the view's own reject or skip (never an import's state).
        case accept
        /// Never export or select it again (`rejected`).
        case reject
        /// Leave it for a later round (`skipped`: a candidate again).
        case skip
    }

    /// The `source` of ledger entries the view writes (imports write the SHA-256 of their export).
    public static let source = "triage"

    private let lightly: any BlobStore
    private let run: SelectionRun
    private let report: ReportData
    private let task: String

    /// Opens the latest selection run of the datasources a stage's `with:` values name.
    public init(with values: [String: JSONValue], pipelineDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment) async throws {
        let parameters = Parameters(values: values, baseDirectory: pipelineDirectory)
        lightly = try DatasourceParameters.open("lightly", parameters: parameters, pipelineDirectory: pipelineDirectory, environment: environment)
        (run, report) = try await RunViewReader(lightly: lightly).latestRun()
        task = report.run.tasks?.first ?? ""
    }

    /// The ledger state of every frame it names (`labelled`, `skipped`, `rejected`).
    public func states() async throws -> [String: String] {
        try await RoundTable.ledger(of: lightly).frames.mapValues(\.state.rawValue)
    }

    /// Records `decision` for `frame` and returns the frame's ledger state after it (nil: none).
    /// - Throws: ``StageError`` for a frame that is not a candidate of the run.
    public func decide(_ decision: Decision, frame: String) async throws -> String? {
        guard report.frames.contains(where: { $0.name == frame }) else {
            throw StageError("'\(frame)' is not a frame of run \(run.id)", code: .invalidInput)
        }
        var ledger = try await RoundTable.ledger(of: lightly)
        let previous = ledger.frames[frame]
        switch decision {
        case .accept:
            if previous?.source == Self.source { ledger.frames[frame] = nil }
        case .reject, .skip:
            // An import's labels stand: triage decides before labelling, not after.
            guard previous?.state != .labelled else { return previous?.state.rawValue }
            // Decided while looking at this run: its round, whoever picked the frame.
            ledger.frames[frame] = RoundLedger.Entry(
                round: SelectionRun.round(ofTag: run.tag), runID: run.id,
                state: decision == .reject ? .rejected : .skipped, task: task, source: Self.source)
        }
        let data: Data
        do { data = try LightlyCoding.encode(ledger) } catch { throw StageError("cannot encode the round ledger: \(error)") }
        _ = try await mapped { try await lightly.put(LabelLayout.ledgerFile, data: data) }
        return ledger.frames[frame]?.state.rawValue
    }

    /// Stores `frames` as tag `name`: a run folder `.lightly/runs/tag-…/` with `report.json` and
    /// `selected_filenames.txt` (last: the folder is complete once it exists), which
    /// `export` with `tag: NAME` exports. Returns the folder's run id.
    /// - Throws: ``StageError`` for an invalid or used name, or frames not of the run.
    public func makeTag(_ name: String, frames: [String]) async throws -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw StageError("tag name '\(name)': use letters, digits, '-', '_' and '.'", code: .invalidParameter)
        }
        let used = try await SelectionRun.all(in: lightly).map(\.tag)
        guard !used.contains(name) else { throw StageError("tag '\(name)' exists already in \(lightly.location)", code: .invalidParameter) }
        let records = Dictionary(report.frames.map { ($0.name, $0) }) { first, _ in first }
        let unknown = frames.filter { records[$0] == nil }
        guard unknown.isEmpty, !frames.isEmpty else {
            throw StageError(frames.isEmpty ? "a tag needs at least one frame" : "'\(unknown[0])' is not a frame of run \(run.id)", code: .invalidInput)
        }
        var seen: Set<String> = []
        let ordered = frames.filter { seen.insert($0).inserted }
        let id = SelectionRunFolder.tagRunPrefix + String(FileDigest.sha256(of: Data((name + "\n" + ordered.joined(separator: "\n")).utf8)).prefix(16))
        let folder = SelectionRunFolder(runID: id)
        let tag = ReportData(
            run: RunInformation(
                runId: id, tag: name, created: ISO8601DateFormatter().string(from: Date()),
                inputDatasource: report.run.inputDatasource, lightlyDatasource: report.run.lightlyDatasource,
                tasks: report.run.tasks, selectionConfig: .object(["tag_of_run": .string(run.id)])),
            frames: ordered.compactMap { records[$0] }.map {
                FrameRecord(name: $0.name, video: $0.video, objects: $0.objects, status: .selected, scores: $0.scores)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let reportData: Data
        do { reportData = try encoder.encode(tag) } catch { throw StageError("cannot encode the tag's report.json: \(error)") }
        _ = try await mapped { try await lightly.put(folder.key(SelectionRunFolder.report), data: reportData) }
        _ = try await mapped {
            try await lightly.put(folder.key(SelectionRunFolder.selectedFilenames), data: Data(ordered.map { $0 + "\n" }.joined().utf8))
        }
        return id
    }
}
