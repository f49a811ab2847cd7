import ArgumentParser
import Engine
import Foundation

struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache", abstract: "Inspect and manage the stage cache.",
        subcommands: [List.self, Show.self, Verify.self, GarbageCollect.self, Clear.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List cache entries: item, key, files, bytes, creation time.")

        @OptionGroup var options: PipelineOptions
        @Argument(help: "Only this stage's entries.") var stage: String?

        func run() async throws {
            let session = try options.session(readOnly: true)
            if let stage { try session.requireStage(stage, option: "stage") }
            let current = Set(try session.store.items.all().values.map(\.cacheKey))
            let formatter = ISO8601DateFormatter()
            for entry in try session.store.entries.all(stage: stage) {
                StandardOutput.write("\(entry.item)  \(entry.cacheKey.prefix(16))  \(entry.outputs.count) files  "
                    + "\(entry.size) bytes  \(formatter.string(from: entry.createdAt))"
                    + (current.contains(entry.cacheKey) ? "" : "  (superseded)"))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an entry's key fields, outputs and receipts.")

        @OptionGroup var options: PipelineOptions
        @Argument(help: ArgumentHelp("STAGE/KEY (its current entry) or a cache key (or a prefix of one).", valueName: "item-or-key"))
        var target: String

        func run() async throws {
            let session = try options.session(readOnly: true)
            let store = session.store
            var entry: CacheEntry?
            if let id = ItemID(target), let record = try store.items.all()[id] {
                entry = try store.entries.entry(record.cacheKey)
            } else {
                entry = try store.entries.all().first { $0.cacheKey.hasPrefix(target) }
            }
            guard let entry else {
                StandardError.write("error: no cache entry for '\(target)'")
                throw ExitCode(1)
            }
            StandardOutput.write("item \(entry.item)\nkey \(entry.cacheKey)\nplugin \(entry.plugin) \(entry.version)")
            StandardOutput.write("output digest \(entry.outputDigest)\nrun \(entry.runID)")
            if let fields = entry.fields {
                StandardOutput.write("fields:")
                for (path, value) in fields.flattened.sorted(by: { $0.key < $1.key }) { StandardOutput.write("  \(path) = \(value)") }
            }
            StandardOutput.write("outputs:")
            for file in entry.outputs { StandardOutput.write("  \(file.path)  \(file.size) bytes  \(file.digest)") }
            if !entry.receipts.isEmpty {
                StandardOutput.write("receipts:")
                for receipt in entry.receipts {
                    let data = receipt.canonicalData()
                    StandardOutput.write("  " + String(decoding: data, as: UTF8.self))
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Re-hash every object; drop entries with damaged files so the next run recomputes them.")

        @OptionGroup var options: PipelineOptions

        func run() async throws {
            let session = try options.session()
            let damage = try session.store.entries.verify()
            for problem in damage {
                StandardOutput.write("damaged \(problem.digest): \(problem.items.map(\.description).joined(separator: ", "))")
            }
            StandardOutput.write(damage.isEmpty ? "all objects intact" : "\(damage.count) damaged objects; their items will run again")
            if !damage.isEmpty { throw ExitCode(1) }
        }
    }

    struct GarbageCollect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Delete superseded entries, leftover checkpoints, unreferenced objects and kept failed attempts.")

        @OptionGroup var options: PipelineOptions

        @Flag(name: [.customShort("n"), .long], help: "List what would be removed, one line each, and remove nothing.")
        var dryRun = false

        func run() async throws {
            guard dryRun else {
                let session = try options.session()
                let cleanup = try session.store.entries.collectGarbage()
                StandardOutput.write("removed \(cleanup.entries) entries, \(cleanup.objects) objects, \(cleanup.bytes) bytes")
                let failed = try FailedAttempts(workdir: session.store.workdir).removeAll()
                if failed.folders > 0 { StandardOutput.write("removed \(failed.folders) failed attempt folders, \(failed.bytes) bytes") }
                return
            }
            let session = try options.session(readOnly: true)
            let garbage = try session.store.entries.garbage()
            var lines = garbage.entries.map { "entry \($0.item) \($0.cacheKey.prefix(16))" }
            lines += garbage.checkpointKeys.map { "checkpoints \($0.prefix(16))" }
            lines += garbage.objects.map { "object \($0.digest) \($0.size) bytes" }
            lines += FailedAttempts(workdir: session.store.workdir).all().map { "failed attempt \($0.path)" }
            lines.append("would remove \(garbage.entries.count) entries, \(garbage.objects.count) objects, \(garbage.bytes) bytes")
            StandardOutput.write(lines.joined(separator: "\n"))
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear", abstract: "Forget the cache of one stage (or all) so its items run again.")

        @OptionGroup var options: PipelineOptions
        @Argument(help: "Only this stage.") var stage: String?

        func run() async throws {
            let session = try options.session()
            if let stage { try session.requireStage(stage, option: "stage") }
            let cleanup = try session.store.entries.clear(stage: stage)
            StandardOutput.write("removed \(cleanup.entries) entries, \(cleanup.objects) objects, \(cleanup.bytes) bytes")
        }
    }
}
