import ArgumentParser
import Foundation
import Spawn
import Lightly

struct LightlyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lightly",
        abstract: "Work with Lightly datasources.",
        subcommands: [Validate.self]
    )
}

extension LightlyCommand {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check a Lightly datasource's predictions, metadata and embeddings.",
            discussion: """
                Prints one 'file: problem' line per problem and exits 1 when there are any, 0 when \
                the datasource is clean. With --input, every file name must name a file of the input \
                datasource or a real frame of one of its videos (frames counted with ffprobe).
                """
        )

        @Argument(help: "The datasource folder (holding .lightly/), or the .lightly folder itself.",
                  completion: .directory, transform: URL.init(fileURLWithPath:))
        var directory: URL

        @Option(help: ArgumentHelp("The input datasource folder, to check frame names against its videos.", valueName: "dir"),
                completion: .directory, transform: URL.init(fileURLWithPath:))
        var input: URL?

        func run() async throws {
            let root = directory.lastPathComponent == ".lightly" ? directory.deletingLastPathComponent() : directory
            for folder in [root, input].compactMap({ $0 }) where !Self.isDirectory(folder) {
                StandardError.write("error: '\(folder.path)' is not a folder")
                throw ExitCode(2)
            }
            let catalog = input.map { FFprobeInputCatalog(root: $0) }
            let problems = try await LightlyValidator(source: LocalLightlyTree(root: root), input: catalog).validate()
            for problem in problems { print(problem) }
            if !problems.isEmpty { throw ExitCode(1) }
        }

        private static func isDirectory(_ url: URL) -> Bool {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}

/// The input datasource as a local folder; frames are counted by `ffprobe -count_frames`
/// (decoded frames of the first video stream, as the decode stage counts them).
struct FFprobeInputCatalog: InputCatalog {
    let root: URL

    func containsFile(_ path: String) async throws -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
            && !isDirectory.boolValue
    }

    func frameCount(ofVideo path: String) async throws -> Int? {
        let ext = FrameName.splitExtension(path).ext.lowercased()
        guard LightlyLayout.videoExtensions.contains(ext), try await containsFile(path) else { return nil }
        let output = try await Self.ffprobe([
            "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", root.appendingPathComponent(path).path,
        ])
        guard let count = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LightlyError("ffprobe could not count the frames of '\(path)'", code: .io, file: path)
        }
        return count
    }

    private static func ffprobe(_ arguments: [String]) async throws -> String {
        // Blocking: on a thread of its own, never on the cooperative pool.
        let data: Data = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Spawn.output(of: ["ffprobe"] + arguments).stdout })
            }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
