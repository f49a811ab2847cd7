import Foundation
import Media
import Testing

@Suite struct ImageEncoderTests {
    init() async throws { try await TestVideos.ready() }

    private func firstFrame() throws -> RGBImage {
        let decoder = try VideoDecoder(url: TestVideos.clip("h264-bframes.mp4").url)
        return try #require(try decoder.next()).rgbImage()
    }

    /// Decodes an image file back to RGB24 with the same decoder.
    private func decodeImage(_ data: Data, name: String) throws -> RGBImage {
        let url = try TestVideos.scratch(name)
        try data.write(to: url)
        let decoder = try VideoDecoder(url: url)
        return try #require(try decoder.next()).rgbImage()
    }

    @Test func pngRoundTripsPixelsExactly() throws {
        let image = try firstFrame()
        let png = try image.pngData()
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(try decodeImage(png, name: "frame.png") == image)
        #expect(try image.pngData() == png)  // deterministic bytes
    }

    @Test func jpegIsCloseToTheSource() throws {
        let image = try firstFrame()
        let jpeg = try image.jpegData(quality: 2)
        #expect(jpeg.prefix(2) == Data([0xFF, 0xD8]))
        let decoded = try decodeImage(jpeg, name: "frame.jpg")
        #expect(decoded.width == image.width && decoded.height == image.height)
        let difference = zip(decoded.pixels, image.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        #expect(Double(difference) / Double(image.pixels.count) < 6)
    }

    @Test func cropIsClippedToThePicture() throws {
        let image = try firstFrame()
        let crop = try #require(image.cropped(x: 150, y: -5, width: 40, height: 20))
        #expect(crop.width == 10 && crop.height == 15)
        for row in 0..<15 {
            let source = Array(image.pixels[(row * 160 + 150) * 3..<(row * 160 + 160) * 3])
            #expect(Array(crop.pixels[row * 30..<(row + 1) * 30]) == source)
        }
        #expect(try decodeImage(try crop.pngData(), name: "crop.png") == crop)
        #expect(image.cropped(x: 200, y: 0, width: 10, height: 10) == nil)
    }

    @Test func aReusedEncoderGivesTheBytesOfAFreshOneForEveryPictureAndSize() throws {
        let image = try firstFrame()
        let crop = try #require(image.cropped(x: 8, y: 4, width: 64, height: 40))
        let encoder = try ImageEncoder(.jpeg(quality: 3))
        // The size changes and changes back: the encoder reopens for each size.
        for picture in [image, image, crop, image] {
            let reused = try encoder.encode(picture)
            #expect(reused == (try picture.jpegData(quality: 3)))
            let decoded = try decodeImage(reused, name: "reused.jpg")
            #expect(decoded.width == picture.width && decoded.height == picture.height)
        }
        // 4:2:0: the same size, close to the source, fewer bytes than 4:4:4.
        let quarter = try ImageEncoder(.jpeg(quality: 3, chroma: .quarter)).encode(image)
        let decoded = try decodeImage(quarter, name: "quarter.jpg")
        #expect(decoded.width == image.width && decoded.height == image.height)
        let difference = zip(decoded.pixels, image.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        #expect(Double(difference) / Double(image.pixels.count) < 12)
        #expect(quarter.count < (try image.jpegData(quality: 3)).count)
        let png = try ImageEncoder(.png)
        #expect(try png.encode(crop) == (try crop.pngData()))
        #expect(try decodeImage(try png.encode(image), name: "reused.png") == image)
    }

    @Test func badSizesAndQualitiesThrow() throws {
        let pixels = [UInt8](repeating: 0, count: 12)
        pixels.withUnsafeBufferPointer { buffer in
            #expect(throws: MediaError.self) { try ImageEncoder.png(rgb: buffer, width: 4, height: 4) }
            #expect(throws: MediaError.self) { try ImageEncoder.jpeg(rgb: buffer, width: 2, height: 2, quality: 0) }
            #expect(throws: MediaError.self) { try ImageEncoder(.jpeg(quality: 2)).encode(rgb: buffer, width: 4, height: 4) }
        }
        #expect(throws: MediaError.self) { try ImageEncoder(.jpeg(quality: 32)) }
    }
}
