import Foundation
import Media
import Testing
import TestSupport

/// Every frame of a clip, decoded sequentially: identity and RGB24 bytes.
private func decodeAll(_ url: URL, threads: Int = 2) throws -> (frames: [FrameInfo], pixels: [[UInt8]]) {
    let decoder = try VideoDecoder(url: url, threads: threads)
    var frames: [FrameInfo] = []
    var pixels: [[UInt8]] = []
    while let frame = try decoder.next() {
        frames.append(frame.info)
        pixels.append(try frame.withRGB24 { Array($0) })
    }
    return (frames, pixels)
}

@Suite struct VideoDecoderTests {
    init() async throws { try await TestVideos.ready() }

    static let clips = TestVideos.clips

    @Test(arguments: clips)
    func frameCountEqualsFFprobeCountFrames(_ clip: TestVideos.Clip) async throws {
        let (frames, _) = try decodeAll(clip.url)
        #expect(frames.count == (try await TestVideos.ffprobeFrameCount(clip.url)))
        #expect(frames.map(\.index) == Array(0..<frames.count))
    }

    @Test(arguments: clips)
    func ptsMatchFFprobeAndIncrease(_ clip: TestVideos.Clip) async throws {
        let (frames, _) = try decodeAll(clip.url)
        let expected = try await TestVideos.ffprobeFramePTS(clip.url)
        // ffprobe prints N/A for frames without a pts (AVI with B-frames); compare where it has them all.
        if expected.count == frames.count { #expect(frames.map(\.pts) == expected) }
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.pts < $1.pts })
        #expect(frames.first?.isKey == true)
    }

    @Test(arguments: clips)
    func probeReportsCodecSizeAndTiming(_ clip: TestVideos.Clip) throws {
        let info = try VideoDecoder(url: clip.url).info
        #expect(info.codec == clip.codec)
        #expect(info.width == 160 && info.height == 90)
        #expect(info.fps > 0)
        #expect(info.rotation == 0)
        #expect(info.timeBase.count == 2 && info.timeBase[1] > 0)
    }

    @Test func probeReadsContainerAndDuration() throws {
        let info = try VideoDecoder(url: TestVideos.clip("h264-bframes.mp4").url).info
        #expect(info.container == "mov,mp4,m4a,3gp,3g2,mj2")
        #expect(info.fps == 25)
        #expect(abs((info.duration ?? 0) - 2.4) < 0.05)
        #expect(info.declaredFrameCount == 60)
    }

    @Test func probeReadsRotationFromTheDisplayMatrix() async throws {
        let source = TestVideos.clip("h264-bframes.mp4").url
        let rotated = try TestVideos.scratch("rotated.mp4")
        try await FFmpegCLI.run(["-i", source.path, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated.path])
        let info = try VideoDecoder(url: rotated).info
        #expect(info.rotation == 90)  // ffprobe: "rotation=90" in the display matrix side data
        #expect(info.width == 160 && info.height == 90)  // coded size, not rotated
    }

    @Test(arguments: clips)
    func seekToFrameEqualsSequentialDecodeByteForByte(_ clip: TestVideos.Clip) throws {
        let (frames, pixels) = try decodeAll(clip.url)
        let last = frames.count - 1
        var targets: Set<Int> = [0, 1, last - 1, last, frames.count / 2]
        for frame in frames where frame.isKey && frame.index > 0 {
            targets.formUnion([frame.index - 1, frame.index, min(last, frame.index + 1)])
        }
        let decoder = try VideoDecoder(url: clip.url, threads: 2)
        // Descending then ascending, so seeks go both ways.
        for index in targets.sorted(by: >) + targets.sorted() {
            try decoder.seek(to: frames[index])
            let frame = try #require(try decoder.next(), "frame \(index)")
            #expect(frame.info == frames[index])
            #expect(try frame.withRGB24 { Array($0) } == pixels[index], "frame \(index) of \(clip.name)")
            if index < last {
                // Decoding goes on from the target with the right numbering.
                let following = try #require(try decoder.next())
                #expect(following.info == frames[index + 1])
                #expect(try following.withRGB24 { Array($0) } == pixels[index + 1])
            }
        }
    }

    @Test func seekByIndexAloneDecodesFromTheStart() throws {
        let clip = TestVideos.clip("vp9.webm")
        let (frames, pixels) = try decodeAll(clip.url)
        let decoder = try VideoDecoder(url: clip.url)
        for index in [37, 3, frames.count - 1] {
            try decoder.seek(toFrame: index)
            let frame = try #require(try decoder.next())
            #expect(frame.info == frames[index])
            #expect(try frame.withRGB24 { Array($0) } == pixels[index])
        }
        #expect(throws: MediaError.self) { try decoder.seek(toFrame: frames.count + 5) }
    }

    @Test func seekToAnUnknownPTSThrowsFrameNotFound() throws {
        let decoder = try VideoDecoder(url: TestVideos.clip("h264-bframes.mp4").url)
        let error = try #require(throws: MediaError.self) { try decoder.seek(to: FrameInfo(index: 5, pts: 123_456_789, isKey: false)) }
        #expect(error.code == .frameNotFound)
    }

    @Test func floatCHWIsRGBOver255InPlanes() throws {
        let decoder = try VideoDecoder(url: TestVideos.clip("h264-bframes.mp4").url)
        _ = try decoder.next()
        let frame = try #require(try decoder.next())
        let rgb = try frame.withRGB24 { Array($0) }
        let chw = try frame.withFloatCHW { Array($0) }
        let plane = frame.width * frame.height
        #expect(chw.count == 3 * plane)
        for pixel in stride(from: 0, to: plane, by: 97) {
            for channel in 0..<3 {
                #expect(chw[channel * plane + pixel] == Float(rgb[3 * pixel + channel]) / 255)
            }
        }
    }

    @Test func threadCountDoesNotChangePixels() throws {
        let url = TestVideos.clip("h264-bframes.mp4").url
        let single = try decodeAll(url, threads: 1)
        let many = try decodeAll(url, threads: 4)
        #expect(single.frames == many.frames)
        #expect(single.pixels == many.pixels)
    }

    @Test func framesDifferFromEachOther() throws {
        let (_, pixels) = try decodeAll(TestVideos.clip("mpeg4.avi").url)
        #expect(Set(pixels).count == pixels.count)
    }

    @Test func signatureIsA16By9GreyThumbnail() throws {
        let decoder = try VideoDecoder(url: TestVideos.clip("h264-bframes.mp4").url)
        let first = try #require(try decoder.next()).signature()
        #expect(first.bytes.count == 144)
        #expect(FrameSignature(hex: first.hex) == first)
        #expect(first.meanAbsoluteDifference(to: first) == 0)
        var last = first
        while let frame = try decoder.next() { last = try frame.signature() }
        #expect(first.meanAbsoluteDifference(to: last) > 1)
    }

    @Test func interruptStopsDecoding() throws {
        let decoder = try VideoDecoder(url: TestVideos.clip("h264-bframes.mp4").url)
        _ = try decoder.next()
        decoder.interrupt.trigger()
        let error = try #require(throws: MediaError.self) { try decoder.next() }
        #expect(error.code == .interrupted)
    }

    @Test func usingAFrameAfterTheDecoderMovedOnTraps() async {
        await #expect(processExitsWith: .failure) {
            try await TestVideos.ready()  // A new process: its own clips.
            let decoder = try VideoDecoder(url: TestVideos.clip("mjpeg.avi").url)
            let first = try #require(try decoder.next())
            _ = try decoder.next()
            _ = try first.withRGB24 { $0.count }
        }
    }
}
