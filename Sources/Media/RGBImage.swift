import Foundation

/// An owned RGB24 picture: `height` rows of `width * 3` bytes.
public struct RGBImage: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// - Precondition: `pixels.count == width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3, "RGB24 pixel count does not match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The part of the picture inside the rectangle, clipped to the picture; `nil` when nothing is left.
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> RGBImage? {
        let left = max(0, x), top = max(0, y)
        let right = min(width, x + max(0, cropWidth)), bottom = min(height, y + max(0, cropHeight))
        guard right > left, bottom > top else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity((right - left) * (bottom - top) * 3)
        for row in top..<bottom {
            let start = (row * width + left) * 3
            result.append(contentsOf: pixels[start..<start + (right - left) * 3])
        }
        return RGBImage(width: right - left, height: bottom - top, pixels: result)
    }

    /// - Throws: ``MediaError`` with code `encodingFailed`.
    public func pngData() throws -> Data {
        try pixels.withUnsafeBufferPointer { try ImageEncoder.png(rgb: $0, width: width, height: height) }
    }

    /// - Parameter quality: FFmpeg's `-q:v` scale, 1 (best) to 31.
    /// - Throws: ``MediaError`` with code `encodingFailed`.
    public func jpegData(quality: Int = 2) throws -> Data {
        try pixels.withUnsafeBufferPointer { try ImageEncoder.jpeg(rgb: $0, width: width, height: height, quality: quality) }
    }
}
