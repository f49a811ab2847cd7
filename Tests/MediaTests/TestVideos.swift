import Foundation
import TestSupport

/// Small videos made with the ffmpeg CLI once per test process: moving test patterns in the
/// four codecs of design §9, with B-frames and a variable frame rate, and damaged files.
struct TestVideos: Sendable {
    /// A clip in one codec, with what its ffmpeg command guarantees.
    struct Clip: Sendable, CustomStringConvertible {
        var name: String
        var url: URL
        var codec: String
        var description: String { name }
    }

    let directory: URL
    let clips: [Clip]

    static let shared: TestVideos = {
        do { return try TestVideos() } catch { fatalError("cannot generate test videos: \(error)") } // tests need them
    }()

    private static let source = ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2.4"]

    private init() throws {
        let directory = try TemporaryDirectory(prefix: "media-tests").url
        self.directory = directory
        var made: [Clip] = []
        func make(_ name: String, codec: String, _ arguments: [String]) throws {
            let url = directory.appendingPathComponent(name)
            try Self.ffmpeg(Self.source + arguments + [url.path])
            made.append(Clip(name: name, url: url, codec: codec))
        }
        try make("h264-bframes.mp4", codec: "h264", ["-c:v", "libx264", "-g", "12", "-bf", "2", "-pix_fmt", "yuv420p"])
        try make("mpeg4.avi", codec: "mpeg4", ["-c:v", "mpeg4", "-g", "10", "-bf", "2"])
        try make("vp9.webm", codec: "vp9", ["-c:v", "libvpx-vp9", "-g", "10", "-deadline", "realtime", "-cpu-used", "8"])
        try make("mjpeg.avi", codec: "mjpeg", ["-c:v", "mjpeg", "-q:v", "5"])
        try make("mjpeg-raw.mjpeg", codec: "mjpeg", ["-c:v", "mjpeg", "-q:v", "5"])
        try make("h264-vfr.mp4", codec: "h264", [
            "-vf", "settb=1/1000,setpts='(N+N*N/40)/(25*TB)'", "-vsync", "vfr", "-c:v", "libx264", "-g", "15", "-bf", "2",
        ])
        clips = made
    }

    func clip(_ name: String) -> Clip { clips.first { $0.name == name }! }

    /// A new file in a fresh directory (damaged-file tests write their own).
    func scratch(_ name: String) throws -> URL {
        try TemporaryDirectory(prefix: "media-bad").url.appendingPathComponent(name)
    }

    static func ffmpeg(_ arguments: [String]) throws {
        _ = try run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-nostdin"] + arguments)
    }

    /// `ffprobe -count_frames`: the decoded-frame count the Lightly naming rule relies on.
    static func ffprobeFrameCount(_ url: URL) throws -> Int {
        let output = try run("/usr/bin/ffprobe", [
            "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
            "-of", "csv=p=0", url.path,
        ])
        guard let count = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestVideoError(message: "ffprobe printed '\(output)'")
        }
        return count
    }

    /// Per-frame pts as ffprobe reports them.
    static func ffprobeFramePTS(_ url: URL) throws -> [Int64] {
        try run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts", "-of", "csv=p=0", url.path])
            .split(separator: "\n").compactMap { line in line.split(separator: ",").first.flatMap { Int64($0) } }
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestVideoError(message: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct TestVideoError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
