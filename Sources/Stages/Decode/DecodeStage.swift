import Dispatch
import Foundation
import Media
import PluginAPI

/// The built-in `decode` stage: decodes one video per item with FFmpeg and writes
/// `manifest.json` (docs/stage-outputs.md) with the probe data, the decoded frame count and
/// the kept frames' pts, key flag and 16×9 grey signature. Sampling is opt-in.
///
/// A damaged or unsupported video fails its item with a `StageError` (code `invalid_input`)
/// naming the file and the problem, e.g. `'clips/a.mp4': truncated: … (37 good frames)`;
/// with `on_error: skip` the engine goes on with the other videos.
public struct DecodeStage: Stage {
    public init() {}

    public var descriptor: PluginDescriptor {
        PluginDescriptor(
            id: "decode", version: "1",
            summary: "Decode a video with FFmpeg: probe data, frame count, per-frame pts, key flags and signatures.",
            mode: .map,
            parameters: Options.specs
        )
    }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        guard let source = item.sourcePath else {
            throw StageError("decode needs exactly one source video per item (a foreach match); '\(item.key)' has \(item.sources.count)",
                             code: .missingInput)
        }
        let options = try Options(context.parameters)
        let interrupt = DecoderInterrupt()
        let key = item.key
        let manifest: DecodeManifest
        do {
            manifest = try await withTaskCancellationHandler {
                try await Self.runBlocking {
                    try Self.decode(source, key: key, options: options, interrupt: interrupt, context: context)
                }
            } onCancel: {
                interrupt.trigger()
            }
        } catch var error as MediaError {
            if error.code == .interrupted, Task.isCancelled { throw CancellationError() }
            error.file = key
            throw StageError(error.description, code: .invalidInput)
        }
        try manifest.encoded().write(to: context.outputDirectory.appendingPathComponent(DecodeManifest.fileName), options: .atomic)
        context.logger.info("decoded \(key): \(manifest.frameCount) frames, kept \(manifest.frames.count)")
    }

    /// The stage's parameters, declared once.
    struct Options: StageOptions {
        @Option("every", range: .atLeast(1), doc: "Keep every N-th frame, by index (0, N, 2N, …).")
        var every = 1
        @Option(
            "fps", range: .atLeast(0),
            doc: "Keep at most this many frames per second (the first frame of each 1/fps interval, from the first frame's pts); 0 keeps all.")
        var fps = 0.0
        @Option(
            "dedup_threshold", range: .within(0...255),
            doc: "Drop a frame whose 16×9 grey signature differs from the last kept frame's by less than this mean absolute difference (grey levels); 0 is off.")
        var dedupThreshold = 0.0
        @Option(
            "change_threshold", range: .within(0...255),
            doc: "Adaptive sampling: keep a frame once the change since the last kept frame (the sum of consecutive frames' signature differences, grey levels) reaches this; 0 is off.")
        var changeThreshold = 0.0
        @Option(
            "max_gap", range: .atLeast(0),
            doc: "With change_threshold: keep a frame at least every this many frames, however still the picture; 0 is no limit.")
        var maxGap = 0
        @Option("threads", range: .atLeast(0), affectsOutputs: false, doc: "FFmpeg decoder threads (frame and slice threading); 0 uses every core.")
        var threads = 0
    }

    /// One sequential pass: every frame is decoded and counted; kept frames get signatures.
    private static func decode(
        _ source: URL, key: String, options: Options, interrupt: DecoderInterrupt, context: any StageContext
    ) throws -> DecodeManifest {
        let decoder = try VideoDecoder(url: source, threads: options.threads, interrupt: interrupt)
        let info = decoder.info
        var sampler = FrameSampler(
            every: options.every, fps: options.fps, dedupThreshold: options.dedupThreshold,
            changeThreshold: options.changeThreshold, maxGap: options.maxGap)
        var kept: [DecodeManifest.Frame] = []
        var count = 0
        while let frame = try decoder.next() {
            if frame.isCorrupt {
                throw MediaError(.corruptFrame, file: decoder.path, "frame \(frame.index) is damaged (the decoder concealed errors)",
                                 goodFrames: frame.index)
            }
            count += 1
            if count % 250 == 0 { context.reportProgress(completed: count, total: info.declaredFrameCount, unit: "frames") }
            guard sampler.isCandidate(index: frame.index, seconds: info.seconds(pts: frame.info.pts)) else { continue }
            let signature = try frame.signature()
            guard sampler.keeps(index: frame.index, signature: signature) else { continue }
            kept.append(DecodeManifest.Frame(index: frame.index, pts: frame.info.pts, key: frame.info.isKey, signature: signature.hex))
        }
        guard count > 0 else {
            throw MediaError(.corruptFrame, file: decoder.path, "the video stream decodes to no frames", goodFrames: 0)
        }
        context.reportProgress(completed: count, total: count, unit: "frames")
        return DecodeManifest(
            file: key, container: info.container, codec: info.codec, width: info.width, height: info.height, fps: info.fps,
            timeBase: info.timeBase, duration: info.duration, rotation: info.rotation, frameCount: count,
            sampling: .init(
                every: options.every, fps: options.fps > 0 ? options.fps : nil, dedupThreshold: options.dedupThreshold,
                changeThreshold: options.changeThreshold, maxGap: options.maxGap),
            frames: kept)
    }

    /// Runs blocking FFmpeg work on a dispatch thread, off Swift's cooperative pool.
    private static func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}
