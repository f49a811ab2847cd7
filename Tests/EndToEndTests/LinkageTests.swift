import Foundation
import Testing

/// Only `detect` needs libtorch: the binary must not load it at start-up (by design, Inference loads
/// the shim on the first model load), or every command pays about a second of CPU for it.
@Suite struct LinkageTests {
    /// The shared libraries `ldd` lists for `file`, by name.
    private func libraries(of file: URL) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
            .compactMap { $0.split(separator: " ").first.map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    @Test func orchestrateDoesNotLinkLibtorchButItsShimDoes() throws {
        let binary = try libraries(of: CLI.binary)
        #expect(binary.contains { $0.hasPrefix("libsqlite3") })
        #expect(!binary.contains { $0.hasPrefix("libtorch") || $0.hasPrefix("libc10") })
        let shim = CLI.binary.deletingLastPathComponent().appendingPathComponent("libCTorchShim.so")
        #expect(try libraries(of: shim).contains { $0.hasPrefix("libtorch_cpu") })
    }
}
