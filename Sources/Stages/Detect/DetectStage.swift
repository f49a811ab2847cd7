import Foundation
import Inference
import Media
import PluginAPI

/// The built-in `detect` stage: runs a Keypoint R-CNN (TorchScript on libtorch, or OpenVINO IR or
/// ONNX on OpenVINO) over the frames that `decode`'s `manifest.json` keeps and writes
/// `detections.json` (docs/stage-outputs.md).
///
/// Frames are decoded in batches on one thread while the model runs earlier batches: up to
/// `replicas` at once. Items running at once in this process share one loaded model
/// (``DetectionModelCache``). Every `checkpoint_every` frames (rounded
/// up to whole batches), or when 30 s have passed, the detections so far are committed as a
/// checkpoint unit; a new attempt with the same cache key resumes after the last unit with an exact
/// seek, and `detections.json` is always written from the units, so a resumed run's file equals an
/// uninterrupted run's byte for byte.
public struct DetectStage: Stage {
    /// Called with the index of every frame the decoder hands out and of every frame inferred:
    /// lets tests count the work an attempt does.
    struct Observer: Sendable {
        var decoded: @Sendable (Int) -> Void = { _ in }
        var inferred: @Sendable ([Int]) -> Void = { _ in }
    }

    private let observer: Observer?
    /// A unit is also committed once this much time has passed since the last one.
    private let checkpointInterval: Duration

    public init() { self.init(observer: nil) }

    /// - Parameter checkpointInterval: tests that count units pass a long one, so that a slow
    ///   machine never adds a unit by time.
    init(observer: Observer?, checkpointInterval: Duration = .seconds(30)) {
        self.observer = observer
        self.checkpointInterval = checkpointInterval
    }

    public var descriptor: PluginDescriptor {
        PluginDescriptor(
            id: "detect", version: "1",
            summary: "Detect people and keypoints on the kept frames with a Keypoint R-CNN (libtorch or OpenVINO).",
            mode: .map,
            parameters: Options.specs
        )
    }

    /// The stage's parameters, declared once.
    struct Options: StageOptions {
        @Option(
            "model",
            doc: "The Keypoint R-CNN (examples/export_keypoint_rcnn.py): TorchScript for libtorch, ONNX for openvino.")
        var model: ResolvedFile
        @Option("runtime", doc: "The inference library that runs the model; openvino runs on the CPU only.")
        var runtime = DetectionRuntime.libtorch
        @Option("batch_size", range: .atLeast(1), doc: "Frames per forward pass.")
        var batchSize = 1
        @Option("threads", range: .atLeast(0), affectsOutputs: false, doc: "Inference threads in all, shared among the replicas; 0 uses every core.")
        var threads = 0
        @Option(
            "replicas", range: .atLeast(0), affectsOutputs: false,
            doc: "Batches run at once (libtorch: copies of the model, openvino: streams of one model), "
                + "each with threads / replicas threads; 0: on cpu the largest divisor of the thread count "
                + "up to 4, on cuda 1.")
        var replicas = 0
        @Option("score_threshold", range: ParameterRange(), doc: "Detections scoring below this are dropped (all of their arrays alike).")
        var scoreThreshold = 0.0
        @Option("device", doc: "Where the model runs; cuda needs a CUDA build of libtorch (Debian's is CPU-only).")
        var device = ComputeDevice.cpu
        @Option(
            "checkpoint_every", range: .atLeast(1), affectsOutputs: false,
            doc: "Commit a checkpoint unit every N kept frames, rounded up to whole batches, and at least every 30 s.")
        var checkpointEvery = 8
    }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        let options = try Options(context.parameters)
        let manifestURL = try UpstreamFileLocator.find(DecodeManifest.fileName, in: item)
        let manifest = try UpstreamFileLocator.decode(DecodeManifest.self, from: manifestURL, item: item)
        guard let video = item.sourcePath else {
            throw StageError("detect needs exactly one source video per item; '\(item.key)' has \(item.sources.count)", code: .missingInput)
        }
        var units = try await DetectionCheckpoint.readCommitted(from: context.checkpoints, manifest: manifest, key: item.key)
        let done = units.last?.end ?? 0
        let total = manifest.frames.count
        // After a resume the engine logs `resumed after DONE of TOTAL frames` on this report.
        context.reportProgress(completed: done, total: total, unit: "frames")
        if done < total {
            units += try await detect(
                manifest.frameInfos, from: done, video: video, key: item.key, options: options, context: context)
        }
        let document = DetectionsDocument(
            file: manifest.file, frameCount: manifest.frameCount, width: manifest.width, height: manifest.height,
            frames: units.flatMap(\.frames))
        try DetectionsDocument.encode(document)
            .write(to: context.outputDirectory.appendingPathComponent(DetectionsDocument.fileName), options: .atomic)
        let detections = document.frames.reduce(0) { $0 + $1.scores.count }
        let inferred = done == 0 ? "" : " (\(total - done) inferred now, \(done) resumed from checkpoints)"
        context.logger.info("detected \(item.key): \(total) frames\(inferred), \(detections) detections")
    }

    /// Runs the model over the kept frames from position `start` on, committing units as it goes.
    /// - Returns: the units it committed.
    private func detect(
        _ frames: [FrameInfo], from start: Int, video: URL, key: String, options: Options, context: any StageContext
    ) async throws -> [DetectionCheckpoint] {
        let interrupt = DecoderInterrupt()
        do {
            return try await withTaskCancellationHandler {
                try await DetectionModelCache.shared.withPool(
                    url: options.model.url, digest: options.model.digest, runtime: options.runtime,
                    replicas: options.replicas, threads: options.threads, device: options.device
                ) { model in
                    let reader = try await FrameBatchReader.open(
                        video, frames: Array(frames[start...]), interrupt: interrupt, onDecoded: observer?.decoded)
                    return try await detect(
                        reader: reader, model: model, from: start, total: frames.count, options: options,
                        interrupt: interrupt, context: context)
                }
            } onCancel: {
                interrupt.trigger()
            }
        } catch var error as MediaError {
            if error.code == .interrupted, Task.isCancelled { throw CancellationError() }
            error.file = key
            throw StageError(error.description, code: .invalidInput)
        } catch let error as InferenceError {
            let code: StageError.Code = error.code == .deviceUnavailable ? .invalidParameter : .invalidInput
            throw StageError("'\(key)': \(error.description)", code: code)
        }
    }

    /// The batch loop: while the model's replicas run the oldest batches, the next ones are
    /// decoded; up to two batches per replica are queued, so a replica that finishes early starts
    /// the next batch at once. Results are taken in order and units end on batch boundaries, so a
    /// resumed attempt forms the same batches and writes the same units as an uninterrupted one.
    private func detect(
        reader: FrameBatchReader, model: DetectionModelPool, from start: Int, total: Int, options: Options,
        interrupt: DecoderInterrupt, context: any StageContext
    ) async throws -> [DetectionCheckpoint] {
        let batchSize = options.batchSize
        var prefetch = Task { try await reader.read(batchSize) }
        var running: [(frames: [Int], detections: Task<[Detections], any Error>)] = []
        do {
            var committed: [DetectionCheckpoint] = []
            var unit = DetectionCheckpoint(start: start, frames: [])
            var lastCommit = ContinuousClock.now
            var decodedAll = false
            while true {
                try Task.checkCancellation()
                while running.count < 2 * model.replicas, !decodedAll {
                    let batch = try await prefetch.value
                    if batch.isEmpty {
                        decodedAll = true
                        break
                    }
                    prefetch = Task { try await reader.read(batchSize) }
                    try Task.checkCancellation()
                    running.append((batch.map(\.index), Task { try await model.detect(batch) }))
                }
                guard !running.isEmpty else {
                    throw StageError(
                        "decoding ended after kept frame \(unit.end) of \(total), before the frames the manifest lists",
                        code: .invalidInput)
                }
                let oldest = running.removeFirst()
                let detections = try await oldest.detections.value
                observer?.inferred(oldest.frames)
                unit.frames += detections.map { $0.filtered(minimumScore: Float(options.scoreThreshold)) }
                let isLast = unit.end == total
                if isLast || unit.frames.count >= options.checkpointEvery
                    || ContinuousClock.now - lastCommit >= checkpointInterval
                {
                    try await unit.commit(to: context.checkpoints)
                    committed.append(unit)
                    unit = DetectionCheckpoint(start: unit.end, frames: [])
                    lastCommit = .now
                }
                context.reportProgress(completed: unit.end, total: total, unit: "frames")
                if isLast { break }
            }
            return committed
        } catch {
            // Stop the read in flight, drop the batches not yet started, and let the passes
            // running end, so that no libtorch work outlives the stage.
            interrupt.trigger()
            _ = await prefetch.result
            for batch in running { batch.detections.cancel() }
            for batch in running { _ = await batch.detections.result }
            throw error
        }
    }
}

extension DetectionRuntime: ParameterValue {}
extension ComputeDevice: ParameterValue {}
