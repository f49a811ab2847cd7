import Foundation

/// The `ffmpeg` command-line tool, for tests that make videos or read reference frames.
public enum FFmpegCLI {
    /// Runs `/usr/bin/ffmpeg` quietly with `arguments` and returns what it wrote to stdout.
    /// - Throws: ``TestSupportError`` with ffmpeg's stderr when it fails.
    @discardableResult
    public static func run(_ arguments: [String]) async throws -> Data {
        try await ChildProcess.checked("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-nostdin"] + arguments).stdout
    }
}
