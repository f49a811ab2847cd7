extension RGBImage {
    /// The picture shrunk by the smallest whole factor that makes it at most `maxWidth` pixels
    /// wide, each pixel the mean of its `factor × factor` block (a box filter: no aliasing of
    /// thin lines, and cheap enough for a thumbnail of every frame). The picture itself when it
    /// is narrow enough already.
    public func downscaled(toFitWidth maxWidth: Int) -> RGBImage {
        let factor = (width + max(1, maxWidth) - 1) / max(1, maxWidth)
        guard factor > 1 else { return self }
        let newWidth = width / factor, newHeight = height / factor
        guard newWidth > 0, newHeight > 0 else { return self }
        var result = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        let area = factor * factor
        for row in 0..<newHeight {
            for column in 0..<newWidth {
                var sums = (0, 0, 0)
                for y in row * factor..<(row + 1) * factor {
                    var offset = (y * width + column * factor) * 3
                    for _ in 0..<factor {
                        sums.0 += Int(pixels[offset])
                        sums.1 += Int(pixels[offset + 1])
                        sums.2 += Int(pixels[offset + 2])
                        offset += 3
                    }
                }
                let target = (row * newWidth + column) * 3
                result[target] = UInt8(sums.0 / area)
                result[target + 1] = UInt8(sums.1 / area)
                result[target + 2] = UInt8(sums.2 / area)
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: result)
    }
}
