internal import CFFmpeg

/// A frame that ``VideoDecoder/next()`` just decoded. Valid until the decoder's next `next()`
/// or seek; using it later is a programmer error and traps.
///
/// The `with…` accessors lend the decoder's reusable buffers: nothing is allocated per frame
/// once the first frame has been converted, and a pointer must not escape its closure.
public struct DecodedFrame {
    public let info: FrameInfo
    /// The decoded picture's size (the coded size; no rotation applied).
    public let width: Int
    public let height: Int
    /// The decoder concealed damage in this frame (FFmpeg's corrupt flag or decode error flags).
    public let isCorrupt: Bool
    private let decoder: VideoDecoder
    private let generation: Int

    init(decoder: VideoDecoder, info: FrameInfo, generation: Int) {
        self.decoder = decoder
        self.info = info
        self.generation = generation
        (width, height, isCorrupt) = decoder.withCurrentFrame(generation: generation) { frame, _ in
            (Int(frame.pointee.width), Int(frame.pointee.height),
             frame.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0 || frame.pointee.decode_error_flags != 0)
        }
    }

    public var index: Int { info.index }

    /// Interleaved RGB24 pixels: `height` rows of `width * 3` bytes, no row padding.
    public func withRGB24<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let pixels = try decoder.withCurrentFrame(generation: generation) { frame, converter in
            try converter.rgb24(frame, generation: generation)
        }
        return try body(pixels)
    }

    /// Float planar RGB in [0, 1], the layout detectors take: 3 planes (R, G, B) of `height × width`.
    public func withFloatCHW<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        let values = try decoder.withCurrentFrame(generation: generation) { frame, converter in
            try converter.floatCHW(frame, generation: generation)
        }
        return try body(values)
    }

    /// A copy of the RGB24 pixels, for encoding or cropping.
    public func rgbImage() throws -> RGBImage {
        try withRGB24 { RGBImage(width: width, height: height, pixels: Array($0)) }
    }

    /// The 16×9 grey thumbnail used to spot near-duplicate frames.
    public func signature() throws -> FrameSignature {
        try decoder.withCurrentFrame(generation: generation) { frame, converter in try converter.signature(frame) }
    }
}
