import Foundation
import Media
import Testing
import TestSupport

/// Damaged and wrong files give one specific MediaError each, naming the file; none crashes.
@Suite struct DamagedInputTests {
    init() async throws { try await TestVideos.ready() }


    /// Opens and decodes everything, returning the error.
    private func failure(_ url: URL) throws -> MediaError {
        try #require(throws: MediaError.self) {
            let decoder = try VideoDecoder(url: url, threads: 2)
            while let frame = try decoder.next() {
                if frame.isCorrupt { throw MediaError(.corruptFrame, file: url.path, "corrupt frame \(frame.index)") }
            }
        }
    }

    private func copy(_ clip: String, prefixBytes: Int? = nil, as name: String) throws -> URL {
        let data = try Data(contentsOf: TestVideos.clip(clip).url)
        let url = try TestVideos.scratch(name)
        try (prefixBytes.map { data.prefix($0) } ?? data).write(to: url)
        return url
    }

    @Test func zeroByteFileIsEmpty() throws {
        let url = try TestVideos.scratch("empty.mp4")
        try Data().write(to: url)
        let error = try failure(url)
        #expect(error.code == .emptyFile)
        #expect(error.description == "'\(url.path)': empty_file: the file is empty (0 bytes)")
    }

    @Test func missingFileIsUnreadable() throws {
        let url = try TestVideos.scratch("absent.mp4")
        #expect(try failure(url).code == .unreadable)
    }

    @Test func garbageIsNotAVideo() throws {
        let url = try TestVideos.scratch("garbage.mp4")
        // Fixed pseudo-random bytes: truly random ones now and then look like some rare format.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<50_000).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        try Data(bytes).write(to: url)
        let error = try failure(url)
        #expect(error.code == .notAVideo)
        #expect(error.description.contains(url.path))
    }

    @Test func textFileIsNotAVideo() throws {
        let url = try TestVideos.scratch("notes.mp4")
        try Data(String(repeating: "no video here\n", count: 100).utf8).write(to: url)
        #expect(try failure(url).code == .notAVideo)
    }

    @Test func mp4CutBeforeItsIndexIsTruncated() throws {
        // ffmpeg writes the moov atom (the index) at the end unless told otherwise.
        let url = try copy("h264-bframes.mp4", prefixBytes: 20_000, as: "cut.mp4")
        let error = try failure(url)
        #expect(error.code == .truncated)
        #expect(error.message.hasPrefix("the mov,mp4,m4a,3gp,3g2,mj2 data is incomplete or damaged"))
    }

    @Test func mp4CutInsideItsFramesDecodesPartlyThenReportsTruncation() async throws {
        let whole = try TestVideos.scratch("faststart.mp4")
        try await FFmpegCLI.run(["-i", TestVideos.clip("h264-bframes.mp4").url.path, "-c", "copy", "-movflags", "+faststart", whole.path])
        let size = try Data(contentsOf: whole).count
        let url = try TestVideos.scratch("cut-frames.mp4")
        try Data(contentsOf: whole).prefix(size * 3 / 4).write(to: url)
        let error = try failure(url)
        #expect([.truncated, .corruptFrame].contains(error.code))
        let good = try #require(error.goodFrames)
        #expect(good > 10 && good < 60)
    }

    @Test func webmCutInsideItsFramesReportsFewerGoodFrames() throws {
        let url = try copy("vp9.webm", prefixBytes: 30_000, as: "cut.webm")
        let decoder = try VideoDecoder(url: url)
        var decoded = 0
        do {
            while try decoder.next() != nil { decoded += 1 }
        } catch let error as MediaError {
            #expect([.truncated, .corruptFrame].contains(error.code))
            #expect(error.goodFrames == decoded)
        }
        #expect(decoded > 0 && decoded < 60)
    }

    @Test func mp4ContentNamedAviHasTheWrongExtension() throws {
        let url = try copy("h264-bframes.mp4", as: "clip.avi")
        let error = try failure(url)
        #expect(error.code == .wrongExtension)
        #expect(error.message.contains("mov,mp4"))
    }

    @Test func unknownExtensionIsAcceptedOnContent() throws {
        let url = try copy("h264-bframes.mp4", as: "clip.video")
        #expect(try VideoDecoder(url: url).info.codec == "h264")
    }

    @Test func audioOnlyFileIsUnsupported() async throws {
        let url = try TestVideos.scratch("sound.wav")
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "sine=duration=1", url.path])
        let error = try failure(url)
        #expect(error.code == .unsupported)
        #expect(error.message == "the wav file has no video stream")
    }

    @Test func repeatedTimestampIsNonMonotonic() async throws {
        let url = try TestVideos.scratch("repeated-pts.mkv")
        try await FFmpegCLI.run([
            "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=1", "-c:v", "mjpeg",
            "-bsf:v", "setts=ts='if(eq(N,10),PREV_OUTPTS,PTS)'", url.path,
        ])
        let error = try failure(url)
        #expect(error.code == .nonMonotonicTimestamps)
        #expect(error.goodFrames == 10)
        #expect(error.message == "frame 10 has pts 360, not after the previous frame's 360")
    }
}
