import Foundation

/// The `ffmpeg` command-line tool, for tests that make videos or read reference frames.
public enum FFmpegCLI {
    /// Runs `/usr/bin/ffmpeg` quietly with `arguments` and returns what it wrote to stdout.
    @discardableResult
    public static func run(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-hide_banner", "-loglevel", "error", "-y", "-nostdin"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSupportError("ffmpeg \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
        return data
    }
}
