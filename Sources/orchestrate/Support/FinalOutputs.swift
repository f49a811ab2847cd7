import Engine
import Foundation

/// Where a pipeline's results are: the committed views of its final stages (those no stage
/// needs) and its newest report, as `run` prints them at the end and `status` names the report.
enum FinalOutputs {
    /// Shown per single-item stage; the rest is one `outputs P STAGE` away.
    static let listedEntries = 6

    /// `outputs:` and one line per final stage with items among `committed` (its item folder and
    /// what is in it, or the stage's folder and its item count), then `report: PATH` when there is one.
    static func lines(pipeline: Pipeline, store: CacheStore, committed: Set<ItemID>) throws -> [String] {
        let needed = Set(pipeline.stages.flatMap(\.needs))
        let records = try store.items.all().values.filter { $0.state == .done && committed.contains($0.id) }
        var lines: [String] = []
        for stage in pipeline.stages where !needed.contains(stage.name) {
            let items = records.filter { $0.id.stage == stage.name }
            guard let first = items.first else { continue }
            guard items.count == 1 else {
                lines.append("  \(stage.name): \(store.workdir.view(ofStage: stage.name).path)/ (\(items.count) items)")
                continue
            }
            let outputs = try store.entries.entry(first.cacheKey)?.outputs ?? []
            let names = Set(outputs.map { file in
                let parts = file.path.split(separator: "/", maxSplits: 1)
                return String(parts[0]) + (parts.count > 1 ? "/" : "")
            }).sorted()
            let shown = names.prefix(listedEntries).joined(separator: ", ") + (names.count > listedEntries ? ", …" : "")
            lines.append("  \(stage.name): \(store.workdir.view(of: first.id).path)/" + (names.isEmpty ? "" : " (\(shown))"))
        }
        if !lines.isEmpty { lines.insert("outputs:", at: 0) }
        if let report = try newestReport(in: store) { lines.append("report: \(report)") }
        return lines
    }

    /// The newest committed output file named `report.html` of any stage (stage-agnostic:
    /// whichever stage writes reports), as its path in the workdir's `out/` view.
    static func newestReport(in store: CacheStore) throws -> String? {
        var newest: (date: Date, path: String)?
        let entries = Dictionary(try store.entries.all(withOutputNamed: "report.html").map { ($0.cacheKey, $0) }) { first, _ in first }
        for record in try store.items.all().values where record.state == .done {
            guard let entry = entries[record.cacheKey] else { continue }
            for file in entry.outputs where (file.path as NSString).lastPathComponent == "report.html" {
                guard newest.map({ entry.createdAt > $0.date }) ?? true else { continue }
                let path = store.workdir.view(of: record.id)
                    .appendingPathComponent(file.path).path
                newest = (entry.createdAt, path)
            }
        }
        return newest?.path
    }
}
