import ArgumentParser
import Engine
import Foundation

struct OutputsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outputs",
        abstract: "List committed output files, one absolute path per line: WORKDIR/out/STAGE/KEY/RELPATH.")

    @OptionGroup var options: PipelineOptions

    @Argument(help: ArgumentHelp("A stage, or one item of it.", valueName: "stage[/key]"))
    var item: String

    @Flag(name: .long, help: "Print a JSON array of {item, path, digest, size}.")
    var json = false

    func run() async throws {
        let session = try options.session(readOnly: true)
        let (stage, key) = try session.parseItemSelector(item)
        let records = try session.store.items.all().values
            .filter { $0.id.stage == stage && (key == nil || $0.id.key == key) && $0.state == .done }
            .sorted { $0.id < $1.id }
        var listed: [[String: Any]] = []
        let entries = Dictionary(try session.store.entries.all(stage: stage).map { ($0.cacheKey, $0) }) { first, _ in first }
        for record in records {
            guard let entry = entries[record.cacheKey] else { continue }
            let base = session.store.workdir.view(of: record.id)
            for file in entry.outputs {
                let path = base.appendingPathComponent(file.path).path
                if json {
                    listed.append(["item": record.id.description, "path": path, "digest": file.digest, "size": file.size])
                } else {
                    StandardOutput.write(path)
                }
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: listed, options: [.sortedKeys, .withoutEscapingSlashes])
            StandardOutput.write(String(decoding: data, as: UTF8.self))
        }
    }
}
