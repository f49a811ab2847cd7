import Foundation
import TestSupport

/// Small videos made with the ffmpeg CLI once per test process: moving test patterns in the
/// codecs H.264, MPEG-4, VP9 and MJPEG, with B-frames and a variable frame rate, and damaged files.
///
/// The clip list is static (tests take clips as arguments); the files exist once
/// ``ready()`` has returned, which every suite's initializer awaits.
enum TestVideos {
    /// A clip in one codec, with what its ffmpeg command guarantees.
    struct Clip: Sendable, CustomStringConvertible {
        var name: String
        var url: URL
        var codec: String
        fileprivate var arguments: [String]
        var description: String { name }
    }

    private static let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("media-tests-\(UUID().uuidString)", isDirectory: true)

    private static func clip(_ name: String, codec: String, _ arguments: [String]) -> Clip {
        Clip(name: name, url: directory.appendingPathComponent(name), codec: codec, arguments: arguments)
    }

    static let clips = [
        clip("h264-bframes.mp4", codec: "h264", ["-c:v", "libx264", "-g", "12", "-bf", "2", "-pix_fmt", "yuv420p"]),
        clip("mpeg4.avi", codec: "mpeg4", ["-c:v", "mpeg4", "-g", "10", "-bf", "2"]),
        clip("vp9.webm", codec: "vp9", ["-c:v", "libvpx-vp9", "-g", "10", "-deadline", "realtime", "-cpu-used", "8"]),
        clip("mjpeg.avi", codec: "mjpeg", ["-c:v", "mjpeg", "-q:v", "5"]),
        clip("mjpeg-raw.mjpeg", codec: "mjpeg", ["-c:v", "mjpeg", "-q:v", "5"]),
        clip("h264-vfr.mp4", codec: "h264", [
            "-vf", "settb=1/1000,setpts='(N+N*N/40)/(25*TB)'", "-vsync", "vfr", "-c:v", "libx264", "-g", "15", "-bf", "2",
        ]),
    ]

    private static let source = ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2.4"]

    /// Made once per process; tests await it (blocking on a lazy static would starve the cooperative pool).
    private static let made = Task {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for clip in clips { try await FFmpegCLI.run(source + clip.arguments + [clip.url.path]) }
    }

    /// Waits until every clip exists.
    static func ready() async throws { try await made.value }

    static func clip(_ name: String) -> Clip { clips.first { $0.name == name }! }

    /// A new file in a fresh directory (damaged-file tests write their own).
    static func scratch(_ name: String) throws -> URL {
        try TemporaryDirectory(prefix: "media-bad").url.appendingPathComponent(name)
    }

    /// `ffprobe -count_frames`: the decoded-frame count the Lightly naming rule relies on.
    static func ffprobeFrameCount(_ url: URL) async throws -> Int {
        let output = try await ffprobe([
            "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
            "-of", "csv=p=0", url.path,
        ])
        guard let count = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestVideoError(message: "ffprobe printed '\(output)'")
        }
        return count
    }

    /// Per-frame pts as ffprobe reports them.
    static func ffprobeFramePTS(_ url: URL) async throws -> [Int64] {
        try await ffprobe(["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts", "-of", "csv=p=0", url.path])
            .split(separator: "\n").compactMap { line in line.split(separator: ",").first.flatMap { Int64($0) } }
    }

    private static func ffprobe(_ arguments: [String]) async throws -> String {
        try await ChildProcess.checked("/usr/bin/ffprobe", arguments).stdoutText
    }
}

struct TestVideoError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
