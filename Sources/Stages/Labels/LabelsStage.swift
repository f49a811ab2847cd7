import Foundation
import JSON
import Labels
import Lightly
import PluginAPI
import Storage

/// `labels`: imports a labelling tool's export into the Lightly datasource.
///
/// Reads `source` (Label Studio's JSON or COCO export, CVAT for images 1.1, COCO Keypoints 1.0),
/// checks every task or image against the selected frames and the task's schema, and only when
/// nothing is wrong writes the labels (``LabelLayout``) and the round ledger, ledger last. An
/// import is idempotent: the same export writes the same bytes. Its outputs are the provenance
/// record `import.json` and the ``TrainingSet`` (every round's labels with their frames) that a
/// trainer downstream reads. See `docs/stages/labels.md`.
public struct LabelsStage: Stage {
    /// Where credentials and endpoint variables come from (the process environment by default).
    let environment: [String: String]
    /// The clock of a first import's `imported_at`.
    let now: @Sendable () -> Date

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(environment: environment, now: { Date() })
    }

    init(environment: [String: String], now: @escaping @Sendable () -> Date) {
        self.environment = environment
        self.now = now
    }

    public var descriptor: PluginDescriptor {
        PluginDescriptor(
            id: "labels", version: "2",
            summary: "Import labels from Label Studio, CVAT or COCO into the Lightly datasource, with the round ledger.",
            mode: .gather, kind: .effect,
            parameters: Options.specs)
    }

    /// The stage's parameters, declared once.
    struct Options: StageOptions {
        var datasources = DatasourceOptions()
        @Option("source", doc: "The labelling tool's export file.")
        var source: ResolvedFile
        @Option("format", doc: "The export's format; auto: detected from the file.")
        var format = FormatChoice.auto
        @Option("task", doc: "The prediction task whose schema (categories, joints) the labels follow.")
        var task = ConvertStage.defaultTask
        @Option("reject", doc: "Frame names to mark rejected: never labelled, never selected again.")
        var reject: [String] = []
    }

    /// The `format` parameter: a format labels reads, or `auto`, detected from the file.
    enum FormatChoice: RawRepresentable, CaseIterable, Hashable, ParameterValue {
        case auto
        case named(LabelFormat)

        static var allCases: [FormatChoice] { [.auto] + LabelFormat.allCases.map(FormatChoice.named) }

        init?(rawValue: String) {
            guard let choice = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
            self = choice
        }

        var rawValue: String {
            switch self {
            case .auto: "auto"
            case .named(let format): format.rawValue
            }
        }
    }

    public func validate(_ parameters: Parameters) -> [ParameterIssue] {
        PredictionTaskParameter.issues(in: parameters)
    }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        _ = try await importLabels(context: context)
    }

    /// Checks that the import's provenance record is still in the datasource; else it runs again.
    public func verify(receipts: [JSONValue], item: StageItem, context: any StageContext) async throws -> Bool {
        let lightly = try DatasourceParameters.open("lightly", context: context, environment: environment)
        for receipt in receipts {
            guard let key = receipt.objectValue?["key"]?.stringValue else { return false }
            guard try await mapped({ try await lightly.head(key) }) != nil else { return false }
        }
        return true
    }

    /// Reads, checks and writes one export; returns its provenance record.
    func importLabels(context: any StageContext) async throws -> ImportRecord {
        let lightly = try DatasourceParameters.open("lightly", context: context, environment: environment)
        let options = try Options(context.parameters)
        let task = options.task
        let source = options.source.url
        let data: Data
        do { data = try Data(contentsOf: source) } catch {
            throw StageError("cannot read the export '\(source.path)': \(error.localizedDescription)", code: .missingInput)
        }
        // The digest of the bytes imported, not the engine's (`options.source.digest`): the
        // provenance record names what was read, even if the file changed since the key was made.
        let sha256 = FileDigest.sha256(of: data)
        let format = try Self.format(options.format, of: data, source: source)
        let schema = try await ExportStage.readSchema(task: task, lightly: lightly)
        let frames = try await SelectedFrames.read(lightly)
        let labelContext = LabelContext(categories: schema.categories, frames: frames) { NameSuggestion.hint(for: $0, in: $1) }

        var result = format.read(data, file: source.path, context: labelContext)
        for name in options.reject {
            guard frames[name] != nil else {
                result.problems.append(LabelsError("frame '\(name)' was never selected", code: .unknownFrame, file: "parameter 'reject'", id: name))
                continue
            }
            result.frames.removeAll { $0.name == name }
            result.frames.append(LabelledFrame(name: name, state: .rejected, objects: []))
        }
        guard result.problems.isEmpty else { throw Self.failure(result.problems, source: source) }
        for warning in result.warnings { context.logger.warning("\(warning)") }
        if !result.empty.isEmpty {
            context.logger.info("\(result.empty.count) tasks or images have no annotation; their frames stay pending (e.g. '\(result.empty[0])')")
        }

        let written = try await LabelWriter(lightly: lightly, task: task, frames: frames)
            .write(result, source: source.lastPathComponent, sha256: sha256, now: now())
        let record = written.record
        let output = RunWriter(folder: context.outputDirectory)
        try output.write(try mapped { try LightlyCoding.encode(record) }, to: "import.json")
        try await TrainingSet(allRounds: written.allRounds).write(to: output, from: lightly)
        context.recordReceipt(.object(["key": .string(LabelLayout.importFile(task: task, sha256: sha256))]))
        let counts = Dictionary(grouping: result.frames, by: \.state).mapValues(\.count)
        context.logger.info(
            "labels: \(format.rawValue) export \(source.lastPathComponent): \(counts[.labelled, default: 0]) frames labelled, \(counts[.skipped, default: 0]) skipped, \(counts[.rejected, default: 0]) rejected, \(result.empty.count) without annotation")
        return record
    }

    /// The format `choice` names, or the format detected from the bytes; a COCO file that Label
    /// Studio wrote is always read as Label Studio's, whose losses are reported.
    private static func format(_ choice: FormatChoice, of data: Data, source: URL) throws(StageError) -> LabelFormat {
        let detected = LabelFormat.detect(data)
        guard case .named(let format) = choice else {
            guard let detected else {
                throw StageError(
                    "'\(source.path)': not a format labels reads (\(LabelFormat.allCases.map(\.rawValue).joined(separator: ", "))); set 'format'",
                    code: .invalidInput)
            }
            return detected
        }
        return format == .coco && detected == .labelStudioCOCO ? .labelStudioCOCO : format
    }

    /// One error listing every problem (the first 20), so a user fixes them in one pass.
    static func failure(_ problems: [LabelsError], source: URL) -> StageError {
        let shown = problems.prefix(20).map { "  \($0)" }.joined(separator: "\n")
        let more = problems.count > 20 ? "\n  … and \(problems.count - 20) more" : ""
        return StageError(
            "the export '\(source.path)' has \(problems.count) problem\(problems.count == 1 ? "" : "s"); nothing was imported:\n\(shown)\(more)",
            code: .invalidInput)
    }
}

/// The selected frames of every run in the datasource, as the importer checks them: the run that
/// selected each last, and the size and SHA-256 of its PNG in that run's folder (frames without
/// a PNG there, never exported, are left out).
enum SelectedFrames {
    static func read(_ lightly: any BlobStore) async throws -> [String: SelectedFrame] {
        var last: [String: SelectionRun] = [:]
        for run in try await SelectionRun.all(in: lightly) {
            for name in run.selected { last[name] = run }
        }
        var frames: [String: SelectedFrame] = [:]
        for (name, run) in last {
            let key = run.frameKey(name)
            guard try await mapped({ try await lightly.head(key) }) != nil else { continue }
            let png = try await mapped { try await lightly.get(key, range: nil) }
            let size = try PNGSize(png, name: "\(lightly.location.description)/\(key)")
            frames[name] = SelectedFrame(
                name: name, width: size.width, height: size.height, sha256: FileDigest.sha256(of: png), runID: run.id,
                round: SelectionRun.round(ofTag: run.tag))
        }
        return frames
    }
}
