internal import CFFmpeg
import Foundation

/// Decodes the first video stream of a file, frame by frame, with exact random access.
///
/// Frames are numbered in decode order of the first video stream, counting the frames the
/// decoder actually produces (as PyAV does, and as the Lightly frame names need), never the
/// container's frame-count field. Every frame's timestamp must be present and greater than the
/// previous one; otherwise ``next()`` throws.
///
/// ```swift
/// let decoder = try VideoDecoder(url: video, threads: 2)
/// while let frame = try decoder.next() {
///     try frame.withFloatCHW { chw in model.run(chw, width: frame.width, height: frame.height) }
/// }
/// // Exact frame N again, pixel-identical to the sequential pass:
/// try decoder.seek(to: manifestFrames[n])            // fast: key frame before it, then forward
/// let png = try decoder.next()!.rgbImage().pngData()
/// ```
///
/// One decoder per task: it is not `Sendable`, its calls block, and a ``DecodedFrame`` is valid
/// only until the next call that moves the decoder. Buffers are reused from frame to frame.
///
/// - Throws: Every method throws ``MediaError`` naming the file.
public final class VideoDecoder {
    /// The path as given, for messages.
    public let path: String
    public let info: VideoInfo
    /// Triggering it makes blocking calls return with an ``MediaError/Code-swift.struct/interrupted`` error.
    public let interrupt: DecoderInterrupt

    private let handles: DecoderHandles
    private var format: UnsafeMutablePointer<AVFormatContext>? { handles.format }
    private var codec: UnsafeMutablePointer<AVCodecContext>? { handles.codec }
    private var packet: UnsafeMutablePointer<AVPacket>? { handles.packet }
    private var frame: UnsafeMutablePointer<AVFrame>? { handles.frame }
    private let streamIndex: Int32
    private let stream: UnsafeMutablePointer<AVStream>
    private let converter = FrameConverter()

    /// A NULL packet was sent: the decoder is draining.
    private var isDraining = false
    /// The pts of the frame a seek stopped at, held in `frame`; the next `next()` returns it.
    private var heldSeekTargetPTS: Int64?
    private var nextIndex = 0
    private var lastPTS: Int64?
    /// A damaged packet or read failure: the decoder drains the good frames before it, then throws.
    private var pendingFailure: PendingFailure?
    /// Bumped each time `frame` changes, so stale ``DecodedFrame``s are caught.
    private(set) var generation = 0

    // Frame threading keeps up to `threads` packets in flight and B-frames add reorder delay;
    // far more video packets than that without a frame means the decoder is stuck.
    private static let maxPacketsWithoutFrame = 1_000
    private static let maxForeignPackets = 1_000_000

    /// Opens and probes a video.
    /// - Parameters:
    ///   - url: a local file; its extension must match its content (as the Lightly Worker checks).
    ///   - threads: decoder threads (FFmpeg frame and slice threads); 0 lets FFmpeg pick one per core.
    /// - Throws: ``MediaError`` with code `unreadable`, `emptyFile`, `notAVideo`, `truncated`,
    ///   `unsupported` or `wrongExtension`.
    public init(url: URL, threads: Int = 0, interrupt: DecoderInterrupt = DecoderInterrupt()) throws {
        FFmpegStatus.quietLogging
        let path = url.path
        self.path = path
        self.interrupt = interrupt
        try Self.checkReadable(path)

        // `handles` frees everything set up so far when init throws.
        let handles = DecoderHandles()
        handles.format = avformat_alloc_context()
        guard handles.format != nil else { throw MediaError(.ffmpeg, file: path, "out of memory") }
        cffmpeg_set_interrupt(handles.format, { opaque in
            guard let opaque else { return 0 }
            return Unmanaged<DecoderInterrupt>.fromOpaque(opaque).takeUnretainedValue().isTriggered ? 1 : 0
        }, Unmanaged.passUnretained(interrupt).toOpaque())
        let openStatus = avformat_open_input(&handles.format, path, nil, nil)
        guard openStatus >= 0, let format = handles.format else {
            // avformat_open_input frees the context on failure and sets it to NULL.
            throw Self.openError(path: path, status: openStatus)
        }
        let findStatus = avformat_find_stream_info(format, nil)
        guard findStatus >= 0 else {
            throw MediaError(.truncated, file: path, "cannot read the stream parameters: \(FFmpegStatus.text(findStatus))", ffmpegStatus: findStatus)
        }
        let (index, videoStream) = try Self.firstVideoStream(format, path: path)
        try Self.checkExtension(path: path, demuxer: format.pointee.iformat)

        let parameters = videoStream.pointee.codecpar!
        guard let decoder = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            throw MediaError(.unsupported, file: path, "no decoder for the video codec '\(name)'")
        }
        handles.codec = avcodec_alloc_context3(decoder)
        guard let codec = handles.codec, handles.packet != nil, handles.frame != nil else {
            throw MediaError(.ffmpeg, file: path, "out of memory")
        }
        try Self.check(avcodec_parameters_to_context(codec, parameters), .unsupported, path, "cannot configure the decoder")
        codec.pointee.pkt_timebase = videoStream.pointee.time_base
        codec.pointee.thread_count = Int32(clamping: max(0, threads))
        codec.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        try Self.check(avcodec_open2(codec, decoder, nil), .unsupported, path, "cannot open the '\(String(cString: decoder.pointee.name))' decoder")
        guard parameters.pointee.width > 0, parameters.pointee.height > 0 else {
            throw MediaError(.truncated, file: path, "the video stream has no picture size (damaged header)")
        }
        info = Self.probe(format, videoStream)
        streamIndex = index
        stream = videoStream
        self.handles = handles
    }

    /// Decodes the next frame, or returns `nil` at the end of the stream.
    ///
    /// The returned frame's buffers are valid until the next call to `next()` or a seek.
    /// - Throws: ``MediaError`` with code `truncated`, `corruptFrame`, `missingTimestamp`,
    ///   `nonMonotonicTimestamps`, `noProgress` or `interrupted`; its `goodFrames` is the
    ///   index of the failing frame.
    public func next() throws -> DecodedFrame? {
        guard let frame else { return nil }
        let held = heldSeekTargetPTS
        heldSeekTargetPTS = nil
        if held == nil {
            guard try decodeRaw() else { return nil }
        }
        guard let pts = held ?? timestamp(of: frame, after: lastPTS) else {
            throw MediaError(.missingTimestamp, file: path, "frame \(nextIndex) has no timestamp", goodFrames: nextIndex)
        }
        if let lastPTS, pts <= lastPTS {
            throw MediaError(
                .nonMonotonicTimestamps, file: path,
                "frame \(nextIndex) has pts \(pts), not after the previous frame's \(lastPTS)", goodFrames: nextIndex)
        }
        let info = FrameInfo(index: nextIndex, pts: pts, isKey: frame.pointee.key_frame != 0)
        nextIndex += 1
        lastPTS = pts
        return DecodedFrame(decoder: self, info: info, generation: generation)
    }

    /// Positions the decoder so that ``next()`` returns `target`, pixel-identical to the frame a
    /// sequential decode gives at that index; later frames are numbered from `target.index`.
    ///
    /// Seeks to the key frame at or before `target.pts`, decodes forward and identifies frames by
    /// pts. When the container's index lands after the target, it seeks further back, and in the
    /// end decodes from the start. `target` comes from an earlier sequential pass (a `decode`
    /// manifest's `frames`): both its index and its pts must be right.
    /// - Throws: ``MediaError`` with code `frameNotFound` when no frame has `target.pts`.
    public func seek(to target: FrameInfo) throws {
        let ticksPerSecond = Int64(max(1, stream.pointee.time_base.den / max(1, stream.pointee.time_base.num)))
        var seekPTS = target.pts
        var step = ticksPerSecond
        for _ in 0..<6 {
            guard try reposition(toPTS: seekPTS) else { break }
            switch try decodeForward(to: target) {
            case .found: return
            case .missing: throw notFound(target)
            case .overshot(let firstPTS):
                seekPTS = min(seekPTS, firstPTS) - step
                step *= 2
            }
        }
        try rewind()
        guard case .found = try decodeForward(to: target) else { throw notFound(target) }
    }

    /// Positions the decoder so that ``next()`` returns frame `index`, by decoding from the
    /// start: exact without a manifest, but it costs a decode of every frame before `index`.
    /// Prefer ``seek(to:)`` when the frame's pts is known.
    public func seek(toFrame index: Int) throws {
        try rewind()
        while nextIndex < index {
            guard try next() != nil else {
                throw MediaError(.frameNotFound, file: path, "frame \(index) is past the last frame (\(nextIndex) frames)")
            }
        }
    }

    // MARK: - Frame access for DecodedFrame

    func withCurrentFrame<R>(generation: Int, _ body: (UnsafePointer<AVFrame>, FrameConverter) throws -> R) rethrows -> R {
        precondition(generation == self.generation, "a DecodedFrame was used after its decoder moved on")
        // `frame` is non-nil whenever a DecodedFrame exists: next() returns nil without it.
        return try body(UnsafePointer(frame!), converter)
    }

    // MARK: - Decoding

    /// Decodes into `frame`; `false` at the end of the stream.
    private func decodeRaw() throws -> Bool {
        guard let format, let codec, let packet, let frame else { return false }
        var packetsWithoutFrame = 0
        var foreignPackets = 0
        while true {
            if interrupt.isTriggered { throw MediaError(.interrupted, file: path, "decoding was interrupted", goodFrames: nextIndex) }
            let received = avcodec_receive_frame(codec, frame)
            if received == 0 {
                generation += 1
                return true
            }
            if received == FFmpegStatus.endOfFile {
                if let pendingFailure { throw pendingFailure.error(path: path, goodFrames: nextIndex) }
                return false
            }
            if received != FFmpegStatus.again {
                throw MediaError(.corruptFrame, file: path, "the decoder failed at frame \(nextIndex): \(FFmpegStatus.text(received))",
                                 goodFrames: nextIndex, ffmpegStatus: received)
            }
            if isDraining {
                if let pendingFailure { throw pendingFailure.error(path: path, goodFrames: nextIndex) }
                return false
            }
            let read = av_read_frame(format, packet)
            if read == FFmpegStatus.endOfFile {
                drain()
                continue
            }
            if read < 0 {
                if read == FFmpegStatus.exit || interrupt.isTriggered {
                    throw MediaError(.interrupted, file: path, "decoding was interrupted", goodFrames: nextIndex)
                }
                drain(failing: PendingFailure(code: .truncated, problem: "reading failed (the file ends early or is damaged)", status: read))
                continue
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else {
                foreignPackets += 1
                if foreignPackets > Self.maxForeignPackets { throw noProgress("\(foreignPackets) packets of other streams") }
                continue
            }
            packetsWithoutFrame += 1
            if packetsWithoutFrame > Self.maxPacketsWithoutFrame {
                throw noProgress("\(packetsWithoutFrame) video packets gave no frame")
            }
            if packet.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 {
                let atEnd = format.pointee.pb.map { avio_feof($0) != 0 } ?? false
                drain(failing: atEnd
                    ? PendingFailure(code: .truncated, problem: "the file ends inside a frame (partial file)", status: nil)
                    : PendingFailure(code: .corruptFrame, problem: "the demuxer marked a packet as damaged", status: nil))
                continue
            }
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0, sent != FFmpegStatus.again {
                drain(failing: PendingFailure(code: .corruptFrame, problem: "the decoder rejected a packet", status: sent))
            }
        }
    }

    /// Sends the end-of-stream packet so that the frames still inside the decoder come out.
    private func drain(failing failure: PendingFailure? = nil) {
        if let codec { avcodec_send_packet(codec, nil) }
        isDraining = true
        pendingFailure = failure
    }

    private struct PendingFailure {
        var code: MediaError.Code
        var problem: String
        var status: Int32?

        func error(path: String, goodFrames: Int) -> MediaError {
            MediaError(code, file: path, problem + (status.map { ": \(FFmpegStatus.text($0))" } ?? ""),
                       goodFrames: goodFrames, ffmpegStatus: status)
        }
    }

    private enum ForwardResult { case found, missing, overshot(firstPTS: Int64) }

    /// Decodes from the current position until the frame with `target.pts`.
    private func decodeForward(to target: FrameInfo) throws -> ForwardResult {
        guard let frame else { return .missing }
        var isFirst = true
        var previous: Int64?
        while try decodeRaw() {
            // Right after a seek, a frame may come out with no timestamp at all: it cannot be
            // identified, and it is not the target (the target's pts is known).
            guard let pts = timestamp(of: frame, after: previous) else { continue }
            previous = pts
            if pts == target.pts {
                heldSeekTargetPTS = pts
                nextIndex = target.index
                lastPTS = nil
                return .found
            }
            if pts > target.pts { return isFirst ? .overshot(firstPTS: pts) : .missing }
            isFirst = false
        }
        return .missing
    }

    /// Seeks the demuxer to the key frame at or before `pts` and resets the decoder;
    /// `false` when the container cannot seek there.
    private func reposition(toPTS pts: Int64) throws -> Bool {
        guard let format else { return false }
        let status = av_seek_frame(format, streamIndex, pts, AVSEEK_FLAG_BACKWARD)
        resetDecoder()
        return status >= 0
    }

    /// Back to the first frame.
    private func rewind() throws {
        guard let format else { return }
        let start = stream.pointee.start_time == FFmpegStatus.noTimestamp ? Int64.min : stream.pointee.start_time
        var status = av_seek_frame(format, streamIndex, start, AVSEEK_FLAG_BACKWARD)
        if status < 0 { status = av_seek_frame(format, -1, 0, AVSEEK_FLAG_BYTE) }
        resetDecoder()
        nextIndex = 0
        guard status >= 0 else {
            throw MediaError(.ffmpeg, file: path, "cannot seek back to the start: \(FFmpegStatus.text(status))", ffmpegStatus: status)
        }
    }

    private func resetDecoder() {
        if let codec { avcodec_flush_buffers(codec) }
        isDraining = false
        pendingFailure = nil
        heldSeekTargetPTS = nil
        lastPTS = nil
        generation += 1
    }

    /// The frame's pts (as PyAV's `frame.pts`), else FFmpeg's best-effort guess from dts, else
    /// one frame duration after the previous frame (the last frame of an AVI with B-frames
    /// comes out of the decoder without any timestamp; PyAV numbers it the same way).
    private func timestamp(of frame: UnsafeMutablePointer<AVFrame>, after previous: Int64?) -> Int64? {
        if frame.pointee.pts != FFmpegStatus.noTimestamp { return frame.pointee.pts }
        if frame.pointee.best_effort_timestamp != FFmpegStatus.noTimestamp { return frame.pointee.best_effort_timestamp }
        guard let previous else { return nil }
        return previous + max(1, frame.pointee.pkt_duration > 0 ? frame.pointee.pkt_duration : ticksPerFrame)
    }

    /// One frame's duration in the stream's time base at the average frame rate.
    private var ticksPerFrame: Int64 {
        let timeBase = stream.pointee.time_base, rate = stream.pointee.avg_frame_rate
        guard timeBase.num > 0, rate.num > 0 else { return 1 }
        return Int64((Double(timeBase.den) * Double(rate.den) / (Double(timeBase.num) * Double(rate.num))).rounded())
    }

    // MARK: - Errors

    private func noProgress(_ what: String) -> MediaError {
        MediaError(.noProgress, file: path, "decoding makes no progress after frame \(nextIndex): \(what)", goodFrames: nextIndex)
    }

    private func notFound(_ target: FrameInfo) -> MediaError {
        MediaError(.frameNotFound, file: path, "no frame has pts \(target.pts) (frame \(target.index))")
    }

    private static func check(_ status: Int32, _ code: MediaError.Code, _ path: String, _ what: String) throws {
        guard status < 0 else { return }
        throw MediaError(code, file: path, "\(what): \(FFmpegStatus.text(status))", ffmpegStatus: status)
    }

    // MARK: - Opening

    private static func checkReadable(_ path: String) throws {
        // stat(2) follows links (the engine stages inputs as links); lstat would size the link.
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw MediaError(.unreadable, file: path, "cannot read the file: \(String(cString: strerror(errno)))")
        }
        if info.st_size == 0 {
            throw MediaError(.emptyFile, file: path, "the file is empty (0 bytes)")
        }
    }

    /// Tells a damaged file of a known format (truncated) from content no demuxer knows (garbage).
    private static func openError(path: String, status: Int32) -> MediaError {
        if status == FFmpegStatus.exit {
            return MediaError(.interrupted, file: path, "opening was interrupted", ffmpegStatus: status)
        }
        if status != FFmpegStatus.invalidData {
            return MediaError(.unreadable, file: path, "cannot open the file: \(FFmpegStatus.text(status))", ffmpegStatus: status)
        }
        if let format = ContentProbe.format(ofFileAt: path) {
            return MediaError(.truncated, file: path, "the \(format) data is incomplete or damaged (e.g. a missing index): \(FFmpegStatus.text(status))",
                              ffmpegStatus: status)
        }
        return MediaError(.notAVideo, file: path, "the content is not a known media format", ffmpegStatus: status)
    }

    private static func firstVideoStream(_ format: UnsafeMutablePointer<AVFormatContext>, path: String) throws
        -> (Int32, UnsafeMutablePointer<AVStream>)
    {
        for index in 0..<Int(format.pointee.nb_streams) {
            guard let stream = format.pointee.streams[index] else { continue }
            let isPicture = stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0
            if stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO, !isPicture {
                return (Int32(index), stream)
            }
        }
        throw MediaError(.unsupported, file: path, "the \(String(cString: format.pointee.iformat.pointee.name)) file has no video stream")
    }

    /// The Lightly Worker calls a file whose content does not match its extension corrupt.
    /// Only a mismatch FFmpeg can see counts: the extension belongs to some demuxer, the
    /// detected demuxer lists its extensions, and they do not include it.
    private static func checkExtension(path: String, demuxer: UnsafePointer<AVInputFormat>) throws {
        let fileExtension = (path as NSString).pathExtension.lowercased()
        guard !fileExtension.isEmpty, let own = demuxer.pointee.extensions else { return }
        let name = String(cString: demuxer.pointee.name)
        if av_match_ext(path, own) != 0 { return }
        // ISO BMFF files often carry extensions the mov demuxer does not list.
        if name.hasPrefix("mov,"), ["m4v", "mp4v", "qt", "3gpp"].contains(fileExtension) { return }
        var state: UnsafeMutableRawPointer?
        while let other = av_demuxer_iterate(&state) {
            if let extensions = other.pointee.extensions, av_match_ext(path, extensions) != 0 {
                throw MediaError(.wrongExtension, file: path,
                                 "the content is \(name) (extensions \(String(cString: own))), not what '.\(fileExtension)' says")
            }
        }
    }

    private static func probe(_ format: UnsafeMutablePointer<AVFormatContext>, _ stream: UnsafeMutablePointer<AVStream>) -> VideoInfo {
        let parameters = stream.pointee.codecpar.pointee
        let timeBase = stream.pointee.time_base
        var rate = stream.pointee.avg_frame_rate
        if rate.num <= 0 || rate.den <= 0 { rate = stream.pointee.r_frame_rate }
        let fps = rate.num > 0 && rate.den > 0 ? Double(rate.num) / Double(rate.den) : 0
        var duration: Double?
        if stream.pointee.duration != FFmpegStatus.noTimestamp, stream.pointee.duration > 0, timeBase.den > 0 {
            duration = Double(stream.pointee.duration) * Double(timeBase.num) / Double(timeBase.den)
        } else if format.pointee.duration != FFmpegStatus.noTimestamp, format.pointee.duration > 0 {
            duration = Double(format.pointee.duration) / Double(AV_TIME_BASE)
        }
        return VideoInfo(
            container: String(cString: format.pointee.iformat.pointee.name),
            codec: String(cString: avcodec_get_name(parameters.codec_id)),
            width: Int(parameters.width), height: Int(parameters.height),
            fps: fps, timeBase: [Int(timeBase.num), Int(timeBase.den)],
            duration: duration, rotation: Int(cffmpeg_stream_rotation(stream)),
            declaredFrameCount: stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil)
    }
}

/// Owns the FFmpeg objects of one decoder and frees them.
private final class DecoderHandles {
    var format: UnsafeMutablePointer<AVFormatContext>?
    var codec: UnsafeMutablePointer<AVCodecContext>?
    var packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
    var frame: UnsafeMutablePointer<AVFrame>? = av_frame_alloc()

    deinit {
        avcodec_free_context(&codec)
        av_packet_free(&packet)
        av_frame_free(&frame)
        avformat_close_input(&format)
    }
}
