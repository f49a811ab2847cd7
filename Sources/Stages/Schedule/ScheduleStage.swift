import Foundation
import JSON
import Lightly
import Logging
import PluginAPI
import Report
import Selection
import Storage

/// `schedule`: the selection run of the Lightly Worker, done locally.
///
/// Reads only the two datasources (videos; `.lightly` predictions, metadata, embeddings), selects
/// frames with the `selection_config`, and writes a run folder `.lightly/runs/<run id>/` in the
/// Lightly datasource, whose files are also the stage's outputs: `selected_filenames.txt`,
/// `scores.csv`, `embeddings.csv`, `frames/`, `crops/`, `report.json`, `report.html`,
/// `report.pdf`, `log.txt`; these hold no clock readings, so identical runs write identical bytes,
/// except the report's measured durations per step. Earlier runs in the datasource form the
/// datapool. See `docs/stages/schedule.md`.
public struct ScheduleStage: Stage {
    /// Where credentials and endpoint variables come from (the process environment by default).
    let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public var descriptor: PluginDescriptor {
        PluginDescriptor(
            id: "schedule", version: "1",
            summary: "Select frames for labelling from the datasources (diversity, active learning, balance) into a run folder.",
            mode: .gather, kind: .effect,
            parameters: Options.specs)
    }

    /// The stage's parameters, declared once.
    struct Options: StageOptions {
        var datasources = DatasourceOptions()
        var settings = ScheduleSettings.Options()
        @Option(
            "embedding_model",
            doc: "A TorchScript crop embedder ([N, 3, S, S] -> [N, D]) for appearance object embeddings; default: pose embeddings.")
        var embeddingModel: ResolvedFile? = nil
        @Option("embedding_input_size", range: .atLeast(1), doc: "The side S of the square object crops embedding_model takes.")
        var embeddingInputSize = 224
    }

    public func decodeSettings(_ parameters: Parameters) throws(ParameterIssues) -> (any Sendable)? {
        try ScheduleSettings(parameters)
    }

    public func validate(_ parameters: Parameters) -> [ParameterIssue] {
        (parameters.settings as? ScheduleSettings)?.unknownTasks(upstream: parameters.upstreamValues["task"] ?? []) ?? []
    }

    /// The settings the engine decoded when the pipeline loaded; decoded here where it has none.
    static func settings(_ parameters: Parameters) throws(StageError) -> ScheduleSettings {
        if let settings = parameters.settings as? ScheduleSettings { return settings }
        do { return try ScheduleSettings(parameters) } catch { throw error.stageError }
    }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        _ = try await select(item, context: context)
    }

    public var readsExternalState: Bool { true }

    public func externalStateDigest(_ item: StageItem, context: any StageContext) async throws -> String? {
        try await snapshot(context).stateDigest
    }

    public func verify(receipts: [JSONValue], item: StageItem, context: any StageContext) async throws -> Bool {
        let lightly = try DatasourceParameters.open("lightly", context: context, environment: environment)
        for receipt in receipts {
            guard let fields = receipt.objectValue, let key = fields["key"]?.stringValue,
                  let size = fields["size"]?.intValue, fields["datasource"]?.stringValue == lightly.location.description
            else { return false }
            guard let object = try await mapped({ try await lightly.head(key) }), object.size == Int64(size) else { return false }
        }
        return true
    }

    func snapshot(_ context: any StageContext) async throws -> DatasourceSnapshot {
        let input = try DatasourceParameters.open("input", context: context, environment: environment)
        let lightly = try DatasourceParameters.open("lightly", context: context, environment: environment)
        // A round after the first reads the round ledger; a malformed config fails later, in `select`.
        let settings = try? Self.settings(context.parameters)
        return try await DatasourceSnapshot.list(
            input: input, lightly: lightly, readsLedger: (settings?.selectionConfig.round ?? 1) >= 2, tasks: settings?.namedTasks)
    }

    /// The run id: a digest of the settings (with the embedding model's bytes) and of the listing
    /// (keys, sizes, ETags), no times.
    static func runID(settings: ScheduleSettings, embeddingModel: AppearanceModel?, snapshot: DatasourceSnapshot) -> String {
        var identity: [String: JSONValue] = [
            "selection_config": settings.selectionConfigJSON,
            "worker_config": .object(settings.workerConfig),
            "lightly_config": .object(settings.lightlyConfig),
            "seed": .string(String(settings.seed)),
            "listing": .string(snapshot.contentDigest),
        ]
        if let model = embeddingModel {
            identity["embedding_model"] = .object([
                "sha256": .string(model.file.digest), "input_size": .int(model.inputSize),
            ])
        }
        let digest = "run-" + FileDigest.sha256(of: JSONValue.object(identity).canonicalData()).prefix(16)
        return settings.selectionConfig.round.map { "\(digest)-round-\($0)" } ?? digest
    }

    /// The run's tag: `round-N` with `selection_config.round`, else by the number of runs before it.
    static func tag(round: Int?, earlierRuns: Int) -> String {
        if let round { return "round-\(round)" }
        return earlierRuns == 0 ? "initial-tag" : "tag-\(earlierRuns + 1)"
    }

    /// Runs the selection and writes the run; returns the run folder's contents.
    func select(_ item: StageItem, context: any StageContext) async throws -> ScheduleRun {
        let clock = ContinuousClock()
        let started = clock.now
        var log = RunLog(logger: context.logger)
        var steps: [StageSummary] = []

        var mark = clock.now
        let settings = try Self.settings(context.parameters)
        let options = try Options(context.parameters)
        let embeddingModel = options.embeddingModel.map { AppearanceModel(file: $0, inputSize: options.embeddingInputSize) }
        let snapshot = try await snapshot(context)
        let runID = Self.runID(settings: settings, embeddingModel: embeddingModel, snapshot: snapshot)
        let earlierRuns = snapshot.runs.filter { $0.key != runID }.sorted { $0.key < $1.key }
        let tag = Self.tag(round: settings.selectionConfig.round, earlierRuns: earlierRuns.count)
        log.info("run \(runID), tag \(tag)")
        log.info("input datasource \(snapshot.input.location): \(snapshot.videos.count) videos")
        log.info("Lightly datasource \(snapshot.lightly.location): \(snapshot.lightlyFiles.count) files, \(earlierRuns.count) earlier runs")
        for option in settings.ignoredOptions { log.info("\(option) is accepted but has no effect here") }
        guard !snapshot.videos.isEmpty else {
            throw StageError("input datasource \(snapshot.input.location): no videos (\(LightlyLayout.videoExtensions.sorted().joined(separator: ", ")))",
                             code: .missingInput)
        }

        var datapool: Set<String> = []
        var excluded: Set<String> = []
        if let ledger = snapshot.ledger?.ledger {
            // The round ledger decides: labelled and rejected frames are never picked again (in the
            // datapool, or left out without it); earlier picks still pending are candidates again.
            let settled = ledger.settled
            if settings.usesDatapool { datapool = settled } else { excluded = settled }
            log.info("round ledger: \(settled.count) frames labelled or rejected are not selected again; \(ledger.frames.count - settled.count) skipped come back as candidates")
        } else if settings.usesDatapool {
            for (id, key) in earlierRuns {
                let data = try await mapped { try await snapshot.lightly.get(key, range: nil) }
                let names = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
                datapool.formUnion(names)
                log.info("datapool: \(names.count) frames of run \(id)")
            }
        }

        let inputs = try await ScheduleInputs.load(
            snapshot: snapshot, settings: settings, embeddingModel: embeddingModel, datapool: datapool, excluded: excluded)
        for warning in inputs.warnings { log.warning(warning) }
        guard !inputs.candidates.isEmpty else {
            throw StageError(
                "Lightly datasource \(snapshot.lightly.location): no prediction file names a frame of the videos in \(snapshot.input.location); nothing to select from",
                code: .missingInput)
        }
        let datapoolCount = inputs.selection.frames.filter(\.isInDatapool).count
        let objectCount = inputs.objects.reduce(0) { $0 + $1.count }
        log.info("\(inputs.candidates.count) candidate frames (\(datapoolCount) in the datapool), object task: \(inputs.objectTask ?? "none") (\(objectCount) objects), frame embeddings: \(inputs.frameEmbeddingSource)")
        steps.append(StageSummary(
            name: "load datasources", input: snapshot.videos.count + snapshot.lightlyFiles.count, kept: inputs.candidates.count,
            inputUnit: "files", keptUnit: "frames",
            detail: "\(snapshot.videos.count) videos and \(snapshot.lightlyFiles.count) Lightly files read; \(inputs.candidates.count) frames with predictions are candidates",
            seconds: seconds(mark, clock.now)))

        mark = clock.now
        let result: SelectionResult
        do {
            result = try Selector.select(
                settings.selectionConfig, inputs: inputs.selection,
                options: SelectionOptions(seed: settings.seed, sequenceLength: settings.sequenceLength))
        } catch let error as SelectionError {
            throw ParameterIssues(error.issues.map(ScheduleSettings.selectionIssue)).stageError
        }
        for warning in result.warnings { log.warning("selection: \(warning)") }
        log.info("selected \(result.selectedFrames.count) of \(inputs.candidates.count - datapoolCount) frames (stop: \(result.stopReason.rawValue))")
        steps.append(StageSummary(
            name: "selection", input: inputs.candidates.count - datapoolCount, kept: result.selectedFrames.count,
            detail: "candidates outside the datapool; selected by the strategies (stop: \(result.stopReason.rawValue))",
            seconds: seconds(mark, clock.now)))

        let writer = RunWriter(folder: context.outputDirectory)
        try writer.removeAll()
        mark = clock.now
        let selectedNames = result.selectedFrames.map { inputs.candidates[$0].name }
        try writer.write(Data(selectedNames.map { $0 + "\n" }.joined().utf8), to: SelectionRunFolder.selectedFilenames)
        try writer.write(Data(ScoreTable(inputs: inputs, result: result, config: settings.selectionConfig).csv().utf8), to: "scores.csv")
        if let embeddings = inputs.frameEmbeddings {
            try writer.write(Data(try EmbeddingsTable.csv(names: inputs.candidates.map(\.name), embeddings: embeddings).utf8), to: "embeddings.csv")
        }
        let crops = try await RunImages(inputs: inputs, selected: result.selectedFrames, snapshot: snapshot, writer: writer)
            .write { done, total in context.reportProgress(completed: done, total: total, unit: "videos") }
        log.info("wrote \(selectedNames.count) frames and \(crops.count) crops")
        steps.append(StageSummary(
            name: "frames and crops", input: selectedNames.count, kept: selectedNames.count,
            detail: "selected frames decoded from the videos and written as PNG, with \(crops.count) object crops",
            seconds: seconds(mark, clock.now)))

        mark = clock.now
        var rounds: [RoundRecord] = []
        if let round = settings.selectionConfig.round, let ledger = snapshot.ledger?.ledger {
            let found = TrainMetrics.find(in: item.inputs)
            for file in found.skipped { log.warning("\(file) is not the train plugin's metrics.json; the report's rounds leave it out") }
            rounds = RoundHistory.records(ledger: ledger, before: round, metrics: found.metrics)
        }
        let report = try RunReport.make(
            runID: runID, tag: tag, snapshot: snapshot, settings: settings, inputs: inputs, result: result, crops: crops,
            steps: steps, totalSeconds: seconds(started, clock.now), rounds: rounds)
        do {
            try ReportRenderer.writeJSON(report, runFolder: writer.folder)
            try ReportRenderer().render(report, runFolder: writer.folder)
        } catch {
            throw StageError("cannot write the report of run \(runID) in '\(writer.folder.path)': \(error)")
        }
        let reportSeconds = seconds(mark, clock.now)
        log.info("report written")
        try writer.write(Data(log.text.utf8), to: "log.txt")
        let durations = (steps.map { ($0.name, $0.seconds ?? 0) } + [("report", reportSeconds)])
            .map { name, seconds in "\(name) \(String(format: "%.2f", seconds)) s" }.joined(separator: ", ")
        context.logger.info("run \(runID) took \(String(format: "%.2f", seconds(started, clock.now))) s (\(durations))")

        let receipt = try await upload(writer: writer, runID: runID, to: snapshot.lightly)
        context.recordReceipt(receipt)
        return ScheduleRun(id: runID, tag: tag, selected: selectedNames, folder: writer.folder)
    }

    /// Copies the run folder to `.lightly/runs/<run id>/`, `selected_filenames.txt` last: a run
    /// interrupted before it is not part of any later run's datapool.
    private func upload(writer: RunWriter, runID: String, to lightly: any BlobStore) async throws -> JSONValue {
        let folder = SelectionRunFolder(runID: runID)
        let last = SelectionRunFolder.selectedFilenames
        let files = try writer.files().sorted { a, b in
            (a == last ? 1 : 0, a) < (b == last ? 1 : 0, b)
        }
        var uploaded: ObjectInfo?
        for file in files {
            let data = try writer.read(file)
            uploaded = try await mapped { try await lightly.put(folder.key(file), data: data) }
        }
        guard let uploaded else { throw StageError("run \(runID) wrote no files") }
        return .object([
            "run_id": .string(runID), "datasource": .string(lightly.location.description),
            "key": .string(uploaded.key), "size": .int(Int(uploaded.size)),
        ])
    }

    private func seconds(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> Double {
        let duration = to - from
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// What one selection run produced.
struct ScheduleRun: Sendable {
    var id: String
    var tag: String
    var selected: [String]
    var folder: URL
}

/// The run's `log.txt`, mirrored to the engine's logger. No timestamps or durations: the lines are
/// the same for the same run.
struct RunLog {
    let logger: Logging.Logger
    private(set) var lines: [String] = []

    init(logger: Logging.Logger) { self.logger = logger }

    mutating func info(_ message: String) {
        lines.append("INFO \(message)")
        logger.info("\(message)")
    }

    mutating func warning(_ message: String) {
        lines.append("WARNING \(message)")
        logger.warning("\(message)")
    }

    var text: String { lines.map { $0 + "\n" }.joined() }
}
