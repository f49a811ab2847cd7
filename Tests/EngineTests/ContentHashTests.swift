import ContentHash
import Foundation
import Testing

@Suite struct ContentHashTests {
    @Test func bytesHashToTheStandardVectors() {
        // FIPS 180-2's examples.
        #expect(ContentHash.sha256(of: Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentHash.sha256(of: Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// A file larger than one read chunk hashes as `sha256sum` says, with its size.
    @Test func filesStreamInChunksAndAgreeWithSha256sum() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("content-hash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        let bytes = Data((0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try bytes.write(to: file)
        let (digest, size) = try ContentHash.sha256(of: file, fsync: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(digest == String(output.prefix(64)))
        #expect(size == Int64(bytes.count))
    }

    @Test func aMissingFileIsNamedInTheError() {
        let missing = URL(fileURLWithPath: "/nonexistent/clip.mp4")
        #expect(throws: FileReadError.self) { try ContentHash.sha256(of: missing) }
        do { _ = try ContentHash.sha256(of: missing) } catch {
            #expect(error.description == "cannot open '/nonexistent/clip.mp4': no such file or directory")
        }
    }
}
