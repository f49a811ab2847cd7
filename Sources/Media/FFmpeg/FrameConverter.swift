internal import CFFmpeg

/// Converts decoded frames to RGB24, float planar CHW and grey signatures, in buffers that
/// are allocated once and reused while the picture size stays the same.
final class FrameConverter {
    private var rgbContext: OpaquePointer?
    private var greyContext: OpaquePointer?
    private var rgb = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)
    private var chw = UnsafeMutableBufferPointer<Float>(start: nil, count: 0)
    private var rgbGeneration = -1
    private var chwGeneration = -1
    private static let unitScale: [Float] = (0..<256).map { Float($0) / 255 }
    // swscale's SIMD paths may write a little past the last pixel.
    private static let padding = 64

    deinit {
        sws_freeContext(rgbContext)
        sws_freeContext(greyContext)
        rgb.deallocate()
        chw.deallocate()
    }

    /// The frame as interleaved RGB24, `width * 3` bytes per row, no padding between rows.
    func rgb24(_ frame: UnsafePointer<AVFrame>, generation: Int) throws -> UnsafeBufferPointer<UInt8> {
        let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
        let count = width * height * 3
        if rgbGeneration == generation, rgb.count >= count { return UnsafeBufferPointer(rebasing: rgb[0..<count]) }
        if rgb.count < count + Self.padding {
            rgb.deallocate()
            rgb = .allocate(capacity: count + Self.padding)
        }
        rgbContext = sws_getCachedContext(
            rgbContext, Int32(width), Int32(height), AVPixelFormat(rawValue: frame.pointee.format),
            Int32(width), Int32(height), AV_PIX_FMT_RGB24, SWS_BICUBIC, nil, nil, nil)
        guard let rgbContext else {
            throw MediaError(.ffmpeg, file: nil, "no RGB conversion from pixel format \(Self.formatName(frame))")
        }
        Self.scale(rgbContext, frame, into: rgb.baseAddress!, stride: width * 3)
        rgbGeneration = generation
        return UnsafeBufferPointer(rebasing: rgb[0..<count])
    }

    /// The frame as float planar RGB (all R, then all G, then all B) in [0, 1]: a 3×H×W tensor.
    func floatCHW(_ frame: UnsafePointer<AVFrame>, generation: Int) throws -> UnsafeBufferPointer<Float> {
        let source = try rgb24(frame, generation: generation)
        let plane = source.count / 3
        if chwGeneration == generation, chw.count >= source.count { return UnsafeBufferPointer(rebasing: chw[0..<source.count]) }
        if chw.count < source.count {
            chw.deallocate()
            chw = .allocate(capacity: source.count)
        }
        Self.unitScale.withUnsafeBufferPointer { scale in
            let red = chw.baseAddress!, green = red + plane, blue = green + plane
            for pixel in 0..<plane {
                red[pixel] = scale[Int(source[3 * pixel])]
                green[pixel] = scale[Int(source[3 * pixel + 1])]
                blue[pixel] = scale[Int(source[3 * pixel + 2])]
            }
        }
        chwGeneration = generation
        return UnsafeBufferPointer(rebasing: chw[0..<source.count])
    }

    /// The frame shrunk to a ``FrameSignature`` (16×9 grey, area averaging).
    func signature(_ frame: UnsafePointer<AVFrame>) throws -> FrameSignature {
        greyContext = sws_getCachedContext(
            greyContext, frame.pointee.width, frame.pointee.height, AVPixelFormat(rawValue: frame.pointee.format),
            Int32(FrameSignature.width), Int32(FrameSignature.height), AV_PIX_FMT_GRAY8, SWS_AREA, nil, nil, nil)
        guard let greyContext else {
            throw MediaError(.ffmpeg, file: nil, "no grey conversion from pixel format \(Self.formatName(frame))")
        }
        let count = FrameSignature.width * FrameSignature.height
        let bytes = [UInt8](unsafeUninitializedCapacity: count + Self.padding) { buffer, initialized in
            Self.scale(greyContext, frame, into: buffer.baseAddress!, stride: FrameSignature.width)
            initialized = count
        }
        return FrameSignature(bytes: bytes)
    }

    private static func scale(_ context: OpaquePointer, _ frame: UnsafePointer<AVFrame>, into destination: UnsafeMutablePointer<UInt8>, stride: Int) {
        var planes = frame.pointee.data
        var strides = frame.pointee.linesize
        var outputPlanes: (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?) =
            (destination, nil, nil, nil)
        var outputStrides: (Int32, Int32, Int32, Int32) = (Int32(stride), 0, 0, 0)
        withUnsafePointer(to: &planes) { planes in
            withUnsafePointer(to: &strides) { strides in
                withUnsafePointer(to: &outputPlanes) { outputPlanes in
                    withUnsafePointer(to: &outputStrides) { outputStrides in
                        _ = sws_scale(
                            context,
                            UnsafeRawPointer(planes).assumingMemoryBound(to: UnsafePointer<UInt8>?.self),
                            UnsafeRawPointer(strides).assumingMemoryBound(to: Int32.self),
                            0, frame.pointee.height,
                            UnsafeRawPointer(outputPlanes).assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self),
                            UnsafeRawPointer(outputStrides).assumingMemoryBound(to: Int32.self))
                    }
                }
            }
        }
    }

    private static func formatName(_ frame: UnsafePointer<AVFrame>) -> String {
        av_get_pix_fmt_name(AVPixelFormat(rawValue: frame.pointee.format)).map { String(cString: $0) } ?? "\(frame.pointee.format)"
    }
}
