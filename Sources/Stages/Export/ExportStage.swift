import Foundation
import JSON
import Labels
import Lightly
import PluginAPI
import Storage

/// `export`: the frames a selection run picked, ready for labelling, as the tutorial's last step
/// (`export_filenames_and_read_urls_by_tag_name`) and the Lightly Worker's frame extraction give them.
///
/// From the run of the upstream `schedule` (or the run tagged `tag`), it makes sure every selected
/// frame is a PNG in the run folder's `frames/` of the Lightly datasource (extracting exactly frame N
/// of the video where the run did not store it), and writes `frames/`,
/// `filenames-and-read-urls.json`, `label-studio-tasks.json` (the task's predictions as
/// pre-annotations) with `label-studio-config.xml`, `coco-keypoints.json` and
/// `cvat-for-images.zip`. Read URLs are signed at the start of the current
/// signing window (``ReadURLSigning``), so outputs only change when that window does.
public struct ExportStage: Stage {
    /// Where credentials and endpoint variables come from (the process environment by default).
    let environment: [String: String]
    /// The clock read URLs are signed against.
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
            id: "export", version: "2",
            summary: "Export a selection run's frames: PNGs in the Lightly datasource, read URLs, Label Studio tasks and config, COCO keypoints, CVAT for images.",
            mode: .gather, kind: .effect,
            parameters: Options.specs)
    }

    /// The stage's parameters, declared once.
    struct Options: StageOptions {
        var datasources = DatasourceOptions()
        @Option("task", flowsAlongNeeds: true, doc: "The prediction task whose predictions become pre-annotations and COCO annotations.")
        var task = ConvertStage.defaultTask
        @Option("expiry", range: .within(1...Double(ReadURLSigning.longestExpiry)), doc: "How long S3 read URLs stay valid: 1s to 7d (S3's limit).")
        var expiry = Duration.seconds(ReadURLSigning.longestExpiry)
        @Option("tag", doc: "The tag of the selection run to export; empty: the run of the upstream schedule stage.")
        var tag = ""
        @Option("formats", doc: "The documents to write besides frames/.")
        var formats = ExportFormat.allCases
    }

    public func validate(_ parameters: Parameters) -> [ParameterIssue] {
        PredictionTaskParameter.issues(in: parameters)
    }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        _ = try await export(item, context: context)
    }

    /// What one run did, for tests and logs.
    struct Summary: Sendable, Hashable {
        var runID: String
        var frames: Int
        var uploaded: Int
        var annotations: Int
    }

    func export(_ item: StageItem, context: any StageContext) async throws -> Summary {
        let input = try DatasourceParameters.open("input", context: context, environment: environment)
        let lightly = try DatasourceParameters.open("lightly", context: context, environment: environment)
        let options = try Options(context.parameters)
        let task = options.task
        let signing = ReadURLSigning(expiry: options.expiry)
        var run = try await SelectionRun.resolve(tag: options.tag, item: item, lightly: lightly)
        // Frames the round ledger rejects (triage in `orchestrate serve`, or an import) are never
        // exported for labelling.
        let rejected = try await Self.rejectedFrames(in: lightly)
        let withheld = run.selected.filter(rejected.contains)
        run.selected.removeAll(where: rejected.contains)
        let schema = try await Self.readSchema(task: task, lightly: lightly)

        let frames = try await FrameExporter(run: run, input: input, lightly: lightly).export { done, total in
            context.reportProgress(completed: done, total: total, unit: "frames")
        }
        let signedAt = signing.signingTime(now: now(), location: lightly.location)
        var records: [ExportRecord] = []
        for frame in frames {
            let url = try mapped { try lightly.readURL(frame.key, expiresIn: signing.expiry, now: signedAt) }
            records.append(ExportRecord(
                frame: frame, readURL: url.absoluteString, datasourceURL: lightly.location.objectURL(frame.key),
                predictions: try await predictions(of: frame.name, task: task, lightly: lightly)))
        }
        let documents = ExportDocuments(task: task, schema: schema, records: records)
        let coco = documents.coco
        try write(documents, coco: coco, formats: Set(options.formats), frames: frames, to: context.outputDirectory)

        // The round ledger's "exported" state (`orchestrate rounds`).
        let exported = Data(frames.map { $0.name + "\n" }.joined().utf8)
        try await mapped { try await lightly.put(run.folder.key(SelectionRunFolder.exportedFilenames), data: exported) }
        for frame in frames {
            context.recordReceipt(ExportReceipt.frame(key: frame.key, size: frame.png.count).json)
        }
        if case .s3 = lightly.location {
            context.recordReceipt(ExportReceipt.signing(signedAt: Int(signedAt.timeIntervalSince1970), expiry: signing.expiry).json)
        }
        let uploaded = frames.filter(\.uploaded).count
        context.logger.info(
            "export: run \(run.id) (tag '\(run.tag)'): \(frames.count) frames (\(uploaded) extracted and stored, \(frames.count - uploaded) already in the run folder), \(coco.annotations.count) annotations\(withheld.isEmpty ? "" : ", \(withheld.count) frames withheld as rejected in the round ledger")")
        return Summary(runID: run.id, frames: frames.count, uploaded: uploaded, annotations: coco.annotations.count)
    }

    /// A digest of what the export reads from the Lightly datasource outside its `needs`: the
    /// run's `report.json` and `selected_filenames.txt` (not its `frames/`, which export itself
    /// writes; with `tag`, those of every run, since the tag picks among them) and the task's
    /// prediction files, by key, size, ETag (local files: modification time), and the frames the
    /// round ledger rejects (not the whole ledger: a label import changes nothing that export
    /// writes unless it rejects a frame).
    /// Changed predictions or a re-made run folder re-run the export even when `schedule` is
    /// cached; another round's run does not.
    public var readsExternalState: Bool { true }

    public func externalStateDigest(_ item: StageItem, context: any StageContext) async throws -> String? {
        let lightly = try DatasourceParameters.open("lightly", context: context, environment: environment)
        let options = try Options(context.parameters)
        let task = options.task
        let upstreamRun = options.tag.isEmpty ? try SelectionRun.upstreamRunID(in: item) : nil
        let folder = upstreamRun.map { SelectionRunFolder(runID: $0).key + "/" } ?? SelectionRunFolder.parent + "/"
        let runs = try await mapped { try await lightly.list(prefix: folder) }.filter {
            let file = SelectionRunFolder.parse($0.key)?.file
            return file == SelectionRunFolder.report || file == SelectionRunFolder.selectedFilenames
        }
        let predictions = try await mapped { try await lightly.list(prefix: LightlyLayout.taskDirectory(task) + "/") }
        let lines = [lightly.location.description] + (runs + predictions).map { object in
            var fields = [object.key, String(object.size), object.etag ?? object.sha256 ?? "-"]
            if object.etag == nil, case .file(let root) = lightly.location,
               // A file removed since listing has no time; its absence changes the next listing anyway.
               let date = (try? FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(object.key).path))?[.modificationDate] as? Date {
                fields.append(String(Int64((date.timeIntervalSince1970 * 1e9).rounded())))
            }
            return fields.joined(separator: "\t")
        }
        let rejected = try await Self.rejectedFrames(in: lightly).sorted().map { "rejected\t" + $0 }
        return FileDigest.sha256(of: Data((lines + rejected).joined(separator: "\n").utf8))
    }

    /// The frames the round ledger marks rejected.
    static func rejectedFrames(in lightly: any BlobStore) async throws -> Set<String> {
        Set(try await RoundTable.ledger(of: lightly).frames.filter { $0.value.state == .rejected }.keys)
    }

    /// Checks that the exported frames are still in the Lightly datasource with their sizes, and
    /// that the read URLs have at least one signing window of validity left; otherwise the engine
    /// runs the export again (which then re-signs and re-stores only what is missing).
    public func verify(receipts: [JSONValue], item: StageItem, context: any StageContext) async throws -> Bool {
        let lightly = try DatasourceParameters.open("lightly", context: context, environment: environment)
        for receipt in receipts.compactMap(ExportReceipt.init) {
            switch receipt {
            case .frame(let key, let size):
                guard let object = try await mapped({ try await lightly.head(key) }), object.size == Int64(size) else { return false }
            case .signing(let signedAt, let expiry):
                let signing = ReadURLSigning(expiry: expiry)
                guard signing.isFresh(signedAt: Date(timeIntervalSince1970: TimeInterval(signedAt)), now: now()) else { return false }
            }
        }
        return true
    }

    // MARK: - Helpers

    static func readSchema(task: String, lightly: any BlobStore) async throws -> PredictionTaskSchema {
        let key = LightlyLayout.schemaFile(task: task)
        guard try await mapped({ try await lightly.head(key) }) != nil else {
            throw StageError(
                "Lightly datasource '\(lightly.location.description)', key '\(key)': no prediction task '\(task)' (set 'task' to one of .lightly/predictions/tasks.json)",
                code: .missingInput)
        }
        let data = try await mapped { try await lightly.get(key, range: nil) }
        do { return try LightlyCoding.decode(PredictionTaskSchema.self, from: data, file: key) } catch {
            throw StageError("Lightly datasource '\(lightly.location.description)': \(error)", code: .invalidInput)
        }
    }

    /// The task's predictions of one frame; none when the frame has no prediction file.
    private func predictions(of name: String, task: String, lightly: any BlobStore) async throws -> [Prediction] {
        let key = LightlyLayout.predictionFile(task: task, sample: name)
        guard try await mapped({ try await lightly.head(key) }) != nil else { return [] }
        let data = try await mapped { try await lightly.get(key, range: nil) }
        do { return try LightlyCoding.decode(PredictionFile.self, from: data, file: key).predictions } catch {
            throw StageError("Lightly datasource '\(lightly.location.description)': \(error)", code: .invalidInput)
        }
    }

    private func write(
        _ documents: ExportDocuments, coco: COCOKeypointsFile, formats: Set<ExportFormat>, frames: [ExportedFrame],
        to directory: URL
    ) throws {
        let writer = RunWriter(folder: directory)
        for frame in frames { try writer.write(frame.png, to: SelectionRunFolder.frame(frame.name)) }
        do {
            for format in ExportFormat.allCases where formats.contains(format) {
                let data = switch format {
                case .readURLs: try LightlyCoding.encode(documents.readURLs)
                case .labelStudio: try LightlyCoding.encode(documents.labelStudioTasks)
                case .cocoKeypoints: try LightlyCoding.encode(coco)
                case .cvat: documents.cvatArchive
                }
                try writer.write(data, to: format.fileName)
                if format == .labelStudio { try writer.write(Data(documents.labelStudioConfig.xml.utf8), to: ExportFormat.labelStudioConfigFile) }
            }
        } catch let error as LightlyError {
            throw StageError("cannot encode the export documents: \(error)")
        }
    }
}

/// A document `export` can write besides `frames/`, named in its `formats` parameter.
enum ExportFormat: String, CaseIterable, Sendable, ParameterValue {
    case readURLs = "filenames-and-read-urls"
    case labelStudio = "label-studio-tasks"
    case cocoKeypoints = "coco-keypoints"
    case cvat = "cvat-for-images"

    var fileName: String { self == .cvat ? rawValue + ".zip" : rawValue + ".json" }

    /// The labeling config written beside `label-studio-tasks.json`.
    static let labelStudioConfigFile = "label-studio-config.xml"
}
