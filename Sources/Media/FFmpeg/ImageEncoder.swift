internal import CFFmpeg
import Foundation

/// Encodes RGB24 pictures to PNG or JPEG with libavcodec's image encoders.
///
/// ```swift
/// let png = try ImageEncoder.png(rgb: pixels, width: 960, height: 540)
/// ```
public enum ImageEncoder {
    /// Lossless PNG (8-bit RGB).
    /// - Parameter rgb: `height` rows of `width * 3` bytes.
    /// - Throws: ``MediaError`` with code `encodingFailed`.
    public static func png(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int) throws -> Data {
        try encode(rgb: rgb, width: width, height: height, codecID: AV_CODEC_ID_PNG, pixelFormat: AV_PIX_FMT_RGB24, quality: nil)
    }

    /// Baseline JPEG, 4:4:4, full range.
    /// - Parameter quality: FFmpeg's `-q:v` scale, 1 (best) to 31 (smallest); 2 is visually lossless.
    /// - Throws: ``MediaError`` with code `encodingFailed`.
    public static func jpeg(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, quality: Int = 2) throws -> Data {
        guard (1...31).contains(quality) else {
            throw MediaError(.encodingFailed, file: nil, "JPEG quality \(quality) is outside 1...31")
        }
        return try encode(rgb: rgb, width: width, height: height, codecID: AV_CODEC_ID_MJPEG, pixelFormat: AV_PIX_FMT_YUVJ444P,
                          quality: Int32(quality))
    }

    private static func encode(
        rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, codecID: AVCodecID, pixelFormat: AVPixelFormat, quality: Int32?
    ) throws -> Data {
        guard width > 0, height > 0, rgb.count >= width * height * 3 else {
            throw MediaError(.encodingFailed, file: nil, "a \(width)×\(height) RGB image needs \(max(0, width * height * 3)) bytes, got \(rgb.count)")
        }
        let resources = EncoderResources()
        guard let encoder = avcodec_find_encoder(codecID) else {
            throw MediaError(.encodingFailed, file: nil, "this FFmpeg has no \(String(cString: avcodec_get_name(codecID))) encoder")
        }
        resources.context = avcodec_alloc_context3(encoder)
        guard let context = resources.context, let frame = resources.frame, let packet = resources.packet else {
            throw MediaError(.encodingFailed, file: nil, "out of memory")
        }
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.pix_fmt = pixelFormat
        context.pointee.time_base = AVRational(num: 1, den: 1)
        if let quality {
            context.pointee.flags |= AV_CODEC_FLAG_QSCALE
            context.pointee.global_quality = quality * FF_QP2LAMBDA
            context.pointee.color_range = AVCOL_RANGE_JPEG
        }
        try check(avcodec_open2(context, encoder, nil), "cannot open the encoder")

        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        frame.pointee.format = pixelFormat.rawValue
        if let quality { frame.pointee.quality = quality * FF_QP2LAMBDA }
        try check(av_frame_get_buffer(frame, 0), "cannot allocate the picture")
        try fill(frame, from: rgb, width: width, height: height, pixelFormat: pixelFormat)

        try check(avcodec_send_frame(context, frame), "the encoder rejected the picture")
        try check(avcodec_send_frame(context, nil), "the encoder did not flush")
        var output = Data()
        while true {
            let status = avcodec_receive_packet(context, packet)
            if status == FFmpegStatus.endOfFile { break }
            try check(status, "encoding failed")
            output.append(packet.pointee.data, count: Int(packet.pointee.size))
            av_packet_unref(packet)
        }
        return output
    }

    private static func fill(_ frame: UnsafeMutablePointer<AVFrame>, from rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                             pixelFormat: AVPixelFormat) throws {
        if pixelFormat == AV_PIX_FMT_RGB24 {
            let stride = Int(frame.pointee.linesize.0)
            for row in 0..<height {
                (frame.pointee.data.0! + row * stride).update(from: rgb.baseAddress! + row * width * 3, count: width * 3)
            }
            return
        }
        let converter = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_RGB24, Int32(width), Int32(height), pixelFormat,
                                       SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nil, nil, nil)
        guard let converter else { throw MediaError(.encodingFailed, file: nil, "no conversion from RGB24 for the encoder") }
        defer { sws_freeContext(converter) }
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

    private static func check(_ status: Int32, _ what: String) throws {
        guard status < 0 else { return }
        throw MediaError(.encodingFailed, file: nil, "\(what): \(FFmpegStatus.text(status))", ffmpegStatus: status)
    }
}

/// Owns one encode's FFmpeg objects.
private final class EncoderResources {
    var context: UnsafeMutablePointer<AVCodecContext>?
    var frame: UnsafeMutablePointer<AVFrame>? = av_frame_alloc()
    var packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()

    deinit {
        avcodec_free_context(&context)
        av_frame_free(&frame)
        av_packet_free(&packet)
    }
}
