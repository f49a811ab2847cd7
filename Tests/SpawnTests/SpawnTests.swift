import Foundation
import Spawn
import Testing

@Suite struct SpawnTests {
    @Test func outputReturnsStdoutAndTheExitStatus() throws {
        let result = try Spawn.output(of: ["sh", "-c", "printf 'one\\ntwo'; echo ignored >&2; exit 3"])
        #expect(result.termination == .exited(3))
        #expect(String(decoding: result.stdout, as: UTF8.self) == "one\ntwo")
    }

    @Test func aSignalledChildIsReportedWithItsSignal() throws {
        let pid = try Spawn.start(["sh", "-c", "kill -9 $$"])
        #expect(Spawn.wait(pid) == .signalled(SIGKILL))
    }

    @Test func aMissingProgramIsNamedInTheError() {
        #expect {
            _ = try Spawn.start(["no-such-program-\(UUID().uuidString)"])
        } throws: { error in
            (error as? SpawnError)?.message.contains("cannot run 'no-such-program-") == true
        }
    }

    @Test func stdoutJoinsStderrsFileInTheGivenDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("log")
        try Data("before\n".utf8).write(to: log)
        let pid = try Spawn.start(
            ["sh", "-c", "pwd; echo err >&2"], in: directory,
            stdout: .descriptor(2), stderr: .file(log.path, append: true))
        #expect(Spawn.wait(pid) == .exited(0))
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text == "before\n\(directory.resolvingSymlinksInPath().path)\nerr\n")
    }

    @Test func theChildGetsOnlyTheStandardDescriptors() throws {
        let open = FileHandle(forReadingAtPath: "/dev/zero")!  // Descriptor 3 or above in this process.
        defer { try? open.close() }
        let result = try Spawn.output(of: ["sh", "-c", "ls /proc/self/fd"])
        let descriptors = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
        // `ls` itself opens one descriptor (the folder it lists); an inherited one would be a second.
        #expect(open.fileDescriptor > 2)
        #expect(descriptors.filter { $0 > 2 }.count <= 1)
    }
}
