internal import CFFmpeg
import Foundation

/// Encodes RGB24 pictures to PNG or JPEG with libavcodec's image encoders.
///
/// One encoder encodes any number of pictures: it keeps its codec and colour conversion open
/// while the picture size stays the same, which is what makes a JPEG of every frame of a video
/// cheap (opening an encoder and a converter costs more than encoding a small picture). An
/// encoder is not `Sendable`: give each worker its own.
///
/// ```swift
/// let png = try ImageEncoder.png(rgb: pixels, width: 960, height: 540)
///
/// let jpeg = try ImageEncoder(.jpeg(quality: 3))
/// for image in frames { try save(jpeg.encode(image)) }
/// ```
public final class ImageEncoder {
    public enum Format: Sendable, Equatable {
        /// Lossless PNG (8-bit RGB).
        case png
        /// Baseline JPEG, full range. `quality` is FFmpeg's `-q:v` scale, 1 (best) to 31
        /// (smallest); 2 is visually lossless.
        case jpeg(quality: Int, chroma: Chroma = .full)
    }

    /// How many colour samples a JPEG keeps.
    public enum Chroma: Sendable, Equatable {
        /// One per pixel (4:4:4): no colour bleeds across sharp edges.
        case full
        /// One per 2×2 pixels (4:2:0), as cameras and most JPEGs do: about half the encoding work.
        case quarter
    }

    public let format: Format
    private var codec: OpenCodec?
    private var converter: OpaquePointer?
    private var count: Int64 = 0

    /// - Throws: ``MediaError`` with code `encodingFailed` for a JPEG quality outside 1...31.
    public init(_ format: Format) throws {
        if case .jpeg(let quality, _) = format, !(1...31).contains(quality) {
            throw MediaError(.encodingFailed, file: nil, "JPEG quality \(quality) is outside 1...31")
        }
        self.format = format
    }

    deinit {
        sws_freeContext(converter)
    }

    /// Lossless PNG (8-bit RGB).
    /// - Parameter rgb: `height` rows of `width * 3` bytes.
    /// - Throws: ``MediaError`` with code `encodingFailed`.
    public static func png(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int) throws -> Data {
        try ImageEncoder(.png).encode(rgb: rgb, width: width, height: height)
    }

    /// Baseline JPEG, 4:4:4 (``Chroma/full``), full range.
    /// - Parameter quality: FFmpeg's `-q:v` scale, 1 (best) to 31 (smallest); 2 is visually lossless.
    /// - Throws: ``MediaError`` with code `encodingFailed`.
    public static func jpeg(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, quality: Int = 2) throws -> Data {
        try ImageEncoder(.jpeg(quality: quality)).encode(rgb: rgb, width: width, height: height)
    }

    /// The picture's bytes in this encoder's format.
    /// - Throws: ``MediaError`` with code `encodingFailed`.
    public func encode(_ image: RGBImage) throws -> Data {
        try image.pixels.withUnsafeBufferPointer { try encode(rgb: $0, width: image.width, height: image.height) }
    }

    /// The picture's bytes in this encoder's format.
    /// - Parameter rgb: `height` rows of `width * 3` bytes.
    /// - Throws: ``MediaError`` with code `encodingFailed`.
    public func encode(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int) throws -> Data {
        guard width > 0, height > 0, rgb.count >= width * height * 3 else {
            throw MediaError(.encodingFailed, file: nil, "a \(width)×\(height) RGB image needs \(max(0, width * height * 3)) bytes, got \(rgb.count)")
        }
        let codec = try self.codec(width: width, height: height)
        let frame = codec.frame, context = codec.context
        // The encoder may still reference the last picture's buffer: never write into it.
        try Self.check(av_frame_make_writable(frame), "cannot allocate the picture")
        try fill(frame, from: rgb, width: width, height: height, pixelFormat: codec.pixelFormat)
        frame.pointee.pts = count
        count += 1
        try Self.check(avcodec_send_frame(context, frame), "the encoder rejected the picture")
        // Image encoders have no delay: the picture's packet is ready at once.
        var output = Data()
        while true {
            let status = avcodec_receive_packet(context, codec.packet)
            if status == FFmpegStatus.again || status == FFmpegStatus.endOfFile { break }
            try Self.check(status, "encoding failed")
            output.append(codec.packet.pointee.data, count: Int(codec.packet.pointee.size))
            av_packet_unref(codec.packet)
        }
        guard !output.isEmpty else { throw MediaError(.encodingFailed, file: nil, "the encoder returned no picture") }
        return output
    }

    /// The open codec for pictures of this size: the last one, else a new one.
    private func codec(width: Int, height: Int) throws -> OpenCodec {
        if let codec, codec.width == width, codec.height == height { return codec }
        codec = nil
        let opened = try OpenCodec(format: format, width: width, height: height)
        codec = opened
        return opened
    }

    private func fill(_ frame: UnsafeMutablePointer<AVFrame>, from rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                      pixelFormat: AVPixelFormat) throws {
        if pixelFormat == AV_PIX_FMT_RGB24 {
            let stride = Int(frame.pointee.linesize.0)
            for row in 0..<height {
                (frame.pointee.data.0! + row * stride).update(from: rgb.baseAddress! + row * width * 3, count: width * 3)
            }
            return
        }
        converter = sws_getCachedContext(
            converter, Int32(width), Int32(height), AV_PIX_FMT_RGB24, Int32(width), Int32(height), pixelFormat,
            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nil, nil, nil)
        guard let converter else { throw MediaError(.encodingFailed, file: nil, "no conversion from RGB24 for the encoder") }
        var sourcePlanes: (UnsafePointer<UInt8>?, UnsafePointer<UInt8>?, UnsafePointer<UInt8>?, UnsafePointer<UInt8>?) = (rgb.baseAddress, nil, nil, nil)
        var sourceStrides: (Int32, Int32, Int32, Int32) = (Int32(width * 3), 0, 0, 0)
        var planes = frame.pointee.data
        var strides = frame.pointee.linesize
        withUnsafePointer(to: &sourcePlanes) { sourcePlanes in
            withUnsafePointer(to: &sourceStrides) { sourceStrides in
                withUnsafePointer(to: &planes) { planes in
                    withUnsafePointer(to: &strides) { strides in
                        _ = sws_scale(
                            converter,
                            UnsafeRawPointer(sourcePlanes).assumingMemoryBound(to: UnsafePointer<UInt8>?.self),
                            UnsafeRawPointer(sourceStrides).assumingMemoryBound(to: Int32.self),
                            0, Int32(height),
                            UnsafeRawPointer(planes).assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self),
                            UnsafeRawPointer(strides).assumingMemoryBound(to: Int32.self))
                    }
                }
            }
        }
    }

    fileprivate static func check(_ status: Int32, _ what: String) throws {
        guard status < 0 else { return }
        throw MediaError(.encodingFailed, file: nil, "\(what): \(FFmpegStatus.text(status))", ffmpegStatus: status)
    }
}

/// An opened encoder for one picture size, with its reusable picture and packet.
private final class OpenCodec {
    let width: Int
    let height: Int
    let pixelFormat: AVPixelFormat
    let context: UnsafeMutablePointer<AVCodecContext>
    let frame: UnsafeMutablePointer<AVFrame>
    let packet: UnsafeMutablePointer<AVPacket>

    init(format: ImageEncoder.Format, width: Int, height: Int) throws {
        self.width = width
        self.height = height
        let codecID: AVCodecID, quality: Int32?
        switch format {
        case .png: (codecID, pixelFormat, quality) = (AV_CODEC_ID_PNG, AV_PIX_FMT_RGB24, nil)
        case .jpeg(let value, .full): (codecID, pixelFormat, quality) = (AV_CODEC_ID_MJPEG, AV_PIX_FMT_YUVJ444P, Int32(value))
        case .jpeg(let value, .quarter): (codecID, pixelFormat, quality) = (AV_CODEC_ID_MJPEG, AV_PIX_FMT_YUVJ420P, Int32(value))
        }
        guard let encoder = avcodec_find_encoder(codecID) else {
            throw MediaError(.encodingFailed, file: nil, "this FFmpeg has no \(String(cString: avcodec_get_name(codecID))) encoder")
        }
        var context = avcodec_alloc_context3(encoder), frame = av_frame_alloc(), packet = av_packet_alloc()
        guard let allocatedContext = context, let allocatedFrame = frame, let allocatedPacket = packet else {
            avcodec_free_context(&context)
            av_frame_free(&frame)
            av_packet_free(&packet)
            throw MediaError(.encodingFailed, file: nil, "out of memory")
        }
        // From here on deinit frees them, also when opening fails below.
        (self.context, self.frame, self.packet) = (allocatedContext, allocatedFrame, allocatedPacket)
        allocatedContext.pointee.width = Int32(width)
        allocatedContext.pointee.height = Int32(height)
        allocatedContext.pointee.pix_fmt = pixelFormat
        allocatedContext.pointee.time_base = AVRational(num: 1, den: 1)
        if let quality {
            allocatedContext.pointee.flags |= AV_CODEC_FLAG_QSCALE
            allocatedContext.pointee.global_quality = quality * FF_QP2LAMBDA
            allocatedContext.pointee.color_range = AVCOL_RANGE_JPEG
        }
        try ImageEncoder.check(avcodec_open2(allocatedContext, encoder, nil), "cannot open the encoder")
        allocatedFrame.pointee.width = Int32(width)
        allocatedFrame.pointee.height = Int32(height)
        allocatedFrame.pointee.format = pixelFormat.rawValue
        if let quality { allocatedFrame.pointee.quality = quality * FF_QP2LAMBDA }
        try ImageEncoder.check(av_frame_get_buffer(allocatedFrame, 0), "cannot allocate the picture")
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = context, frame: UnsafeMutablePointer<AVFrame>? = frame
        var packet: UnsafeMutablePointer<AVPacket>? = packet
        avcodec_free_context(&context)
        av_frame_free(&frame)
        av_packet_free(&packet)
    }
}
