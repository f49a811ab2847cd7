import Dispatch
import Foundation
import Inference
import Media

/// Decodes a video's kept frames, batch by batch, on a serial queue of its own (off Swift's
/// cooperative pool: FFmpeg calls block). The first batch starts with Media's exact seek to
/// its first frame unless that is the video's first frame; later frames are reached by
/// decoding forward. Each decoded frame's pts is checked against the manifest's.
final class FrameBatchReader: @unchecked Sendable {
    // @unchecked: `decoder` and `position` are only touched on `queue`.
    private let queue = DispatchQueue(label: "orchestrate.detect.decode")
    private let decoder: VideoDecoder
    private let frames: [FrameInfo]
    private var position = 0
    private let onDecoded: (@Sendable (Int) -> Void)?

    /// Opens `video` to read `frames` (the remaining kept frames, in order).
    /// - Parameter onDecoded: called with the index of every frame the decoder hands out.
    static func open(
        _ video: URL, frames: [FrameInfo], interrupt: DecoderInterrupt, onDecoded: (@Sendable (Int) -> Void)?
    ) async throws -> FrameBatchReader {
        let queue = DispatchQueue(label: "orchestrate.detect.open")
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    // One decoder thread: decoding is cheap next to inference, which has the cores.
                    FrameBatchReader(
                        decoder: try VideoDecoder(url: video, threads: 1, interrupt: interrupt), frames: frames,
                        onDecoded: onDecoded)
                })
            }
        }
    }

    private init(decoder: VideoDecoder, frames: [FrameInfo], onDecoded: (@Sendable (Int) -> Void)?) {
        self.decoder = decoder
        self.frames = frames
        self.onDecoded = onDecoded
    }

    /// Decodes the next `count` kept frames (fewer at the end) as owned CHW float tensors.
    func read(_ count: Int) async throws -> [FrameTensor] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.readBlocking(count) }) }
        }
    }

    private func readBlocking(_ count: Int) throws -> [FrameTensor] {
        var batch: [FrameTensor] = []
        while batch.count < count, position < frames.count {
            let target = frames[position]
            if position == 0, target.index > 0 { try decoder.seek(to: target) }
            batch.append(try decode(target))
            position += 1
        }
        return batch
    }

    private func decode(_ target: FrameInfo) throws -> FrameTensor {
        while let frame = try decoder.next() {
            onDecoded?(frame.index)
            guard frame.index >= target.index else { continue }
            guard frame.index == target.index, frame.info.pts == target.pts else {
                throw MediaError(
                    .frameNotFound, file: decoder.path,
                    "frame \(frame.index) has pts \(frame.info.pts) where the manifest has frame \(target.index) at pts \(target.pts): "
                        + "the manifest does not describe this video")
            }
            if frame.isCorrupt {
                throw MediaError(.corruptFrame, file: decoder.path, "frame \(frame.index) is damaged (the decoder concealed errors)",
                                 goodFrames: frame.index)
            }
            return try frame.withFloatCHW {
                FrameTensor(index: frame.index, pixels: Array($0), height: frame.height, width: frame.width)
            }
        }
        throw MediaError(.frameNotFound, file: decoder.path, "the video ends before frame \(target.index) of the manifest")
    }
}
