/// A frame as float32 planar CHW RGB in [0, 1] (`3 * height * width` values), borrowed from the
/// caller: ``DetectionModel/detect(batch:)`` reads the buffer in place, without copying it.
///
/// - Important: the buffer must stay valid and unchanged for the duration of the `detect` call.
public struct FrameTensorView {
    /// The frame's index in its video, copied into ``Detections/index``.
    public var index: Int
    public var pixels: UnsafeBufferPointer<Float>
    public var height: Int
    public var width: Int

    public init(index: Int, pixels: UnsafeBufferPointer<Float>, height: Int, width: Int) {
        self.index = index
        self.pixels = pixels
        self.height = height
        self.width = width
    }
}

/// A frame that owns its pixels: float32 planar CHW RGB in [0, 1], `3 * height * width` values.
public struct FrameTensor: Sendable {
    public var index: Int
    public var pixels: [Float]
    public var height: Int
    public var width: Int

    public init(index: Int, pixels: [Float], height: Int, width: Int) {
        self.index = index
        self.pixels = pixels
        self.height = height
        self.width = width
    }

    /// Calls `body` with a view of this frame's pixels (no copy); the view must not escape.
    public func withView<Result>(_ body: (FrameTensorView) throws -> Result) rethrows -> Result {
        try pixels.withUnsafeBufferPointer { buffer in
            try body(FrameTensorView(index: index, pixels: buffer, height: height, width: width))
        }
    }
}
