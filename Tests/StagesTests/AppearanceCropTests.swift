import Media
import Testing

@testable import Stages

/// The padding and resampling rule of ``AppearanceEmbedder/crop(_:box:size:)``, on a picture whose
/// red channel is its x coordinate and green its y: every output value says where it was sampled.
@Suite("appearance crops: square padding and bilinear resize")
struct AppearanceCropTests {
    static let image: RGBImage = {
        let width = 100, height = 80
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                pixels[(y * width + x) * 3] = UInt8(x)
                pixels[(y * width + x) * 3 + 1] = UInt8(y)
                pixels[(y * width + x) * 3 + 2] = 200
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }()

    /// (red, green, blue) of output pixel (row, column) in 0...255.
    func sample(_ crop: [Float], size: Int, row: Int, column: Int) -> (Float, Float, Float) {
        let plane = size * size, at = row * size + column
        return (crop[at] * 255, crop[plane + at] * 255, crop[2 * plane + at] * 255)
    }

    @Test func theSquareIsCentredOnTheBoxWithATenPercentMarginOfItsLongerSide() {
        // A 20x10 box at (40, 30): side 1.2 * 20 = 24, so the square spans x 38..<62 and y 23..<47;
        // at size 24 every output pixel is one input pixel.
        let crop = AppearanceEmbedder.crop(Self.image, box: (x: 40, y: 30, width: 20, height: 10), size: 24)
        #expect(crop.count == 3 * 24 * 24)
        for row in 0..<24 {
            for column in 0..<24 {
                let (red, green, blue) = sample(crop, size: 24, row: row, column: column)
                #expect(abs(red - Float(38 + column)) < 1e-3 && abs(green - Float(23 + row)) < 1e-3 && abs(blue - 200) < 1e-3)
            }
        }
    }

    @Test func downsamplingInterpolatesBetweenPixelCentres() {
        // The same 24-pixel square at size 12: output column c samples x = 38 + 2c + 0.5, halfway
        // between two pixels, and the ramp makes the bilinear value exactly that coordinate.
        let crop = AppearanceEmbedder.crop(Self.image, box: (x: 40, y: 30, width: 20, height: 10), size: 12)
        for row in 0..<12 {
            for column in 0..<12 {
                let (red, green, _) = sample(crop, size: 12, row: row, column: column)
                #expect(abs(red - Float(38 + 2 * column) - 0.5) < 1e-3 && abs(green - Float(23 + 2 * row) - 0.5) < 1e-3)
            }
        }
    }

    @Test func partsOutsideTheFrameAreBlack() {
        // A 10x10 box in the top-left corner: the 12-pixel square starts at (-1, -1).
        let crop = AppearanceEmbedder.crop(Self.image, box: (x: 0, y: 0, width: 10, height: 10), size: 12)
        for index in 0..<12 {
            #expect(sample(crop, size: 12, row: 0, column: index) == (0, 0, 0))
            #expect(sample(crop, size: 12, row: index, column: 0) == (0, 0, 0))
        }
        let (red, green, blue) = sample(crop, size: 12, row: 1, column: 1)
        #expect(red == 0 && green == 0 && abs(blue - 200) < 1e-3)  // pixel (0, 0) itself
        let inner = sample(crop, size: 12, row: 11, column: 5)
        #expect(abs(inner.0 - 4) < 1e-3 && abs(inner.1 - 10) < 1e-3)
    }
}
