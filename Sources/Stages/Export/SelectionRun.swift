import Foundation
import PluginAPI
import Storage

/// A selection run in the Lightly datasource: its id, tag and selected frame names, read from
/// `.lightly/runs/<run id>/` (`report.json` and `selected_filenames.txt`).
struct SelectionRun: Sendable, Hashable {
    var id: String
    var tag: String
    /// Frame names in pick order, as in `selected_filenames.txt`.
    var selected: [String]

    var folder: SelectionRunFolder { SelectionRunFolder(runID: id) }

    func frameKey(_ name: String) -> String { folder.key(SelectionRunFolder.frame(name)) }

    /// The round of a run from its tag: `round-N` is N, `initial-tag` 1, `tag-K` K.
    static func round(ofTag tag: String) -> Int {
        for prefix in ["round-", "tag-"] where tag.hasPrefix(prefix) {
            if let number = Int(tag.dropFirst(prefix.count)), number >= 1 { return number }
        }
        return 1
    }

    /// Every complete run of the datasource (with `report.json` and `selected_filenames.txt`),
    /// by round, then id.
    static func all(in lightly: any BlobStore) async throws -> [SelectionRun] {
        let keys = Set(try await mapped { try await lightly.list(prefix: SelectionRunFolder.parent + "/") }.map(\.key))
        var runs: [SelectionRun] = []
        for key in keys.sorted() {
            guard let (folder, file) = SelectionRunFolder.parse(key), file == SelectionRunFolder.report else { continue }
            let listKey = folder.key(SelectionRunFolder.selectedFilenames)
            guard keys.contains(listKey) else { continue }  // Interrupted before its list: no run yet.
            let data = try await mapped { try await lightly.get(key, range: nil) }
            guard let header = try? JSONDecoder().decode(ReportHeader.self, from: data) else { continue }  // Not a run's report.
            runs.append(SelectionRun(id: header.run.runID, tag: header.run.tag, selected: try await lines(listKey, in: lightly)))
        }
        return runs.sorted { (Self.round(ofTag: $0.tag), $0.id) < (Self.round(ofTag: $1.tag), $1.id) }
    }

    /// The names `export` exported from this run (none when it never ran).
    func exported(in lightly: any BlobStore) async throws -> Set<String> {
        let key = folder.key(SelectionRunFolder.exportedFilenames)
        guard try await mapped({ try await lightly.head(key) }) != nil else { return [] }
        return Set(try await Self.lines(key, in: lightly))
    }

    private static func lines(_ key: String, in lightly: any BlobStore) async throws -> [String] {
        let text = String(decoding: try await mapped { try await lightly.get(key, range: nil) }, as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
    }

    /// The part of `report.json` that `export` reads.
    private struct ReportHeader: Decodable {
        struct Run: Decodable {
            var runID: String
            var tag: String
            enum CodingKeys: String, CodingKey {
                case runID = "run_id", tag
            }
        }
        var run: Run
    }

    /// The run `export` works on: the one named by `tag`, else the one of the upstream `schedule`.
    /// - Throws: ``StageError`` for no run, an unknown tag or a run folder without its files.
    static func resolve(tag: String, item: StageItem, lightly: any BlobStore) async throws -> SelectionRun {
        let datasource = lightly.location.description
        let header: (id: String, tag: String)
        if tag.isEmpty {
            guard let upstream = try upstreamReport(in: item) else {
                let searched = item.inputs.isEmpty ? "no upstream stage" : "upstream stages " + item.inputs.keys.sorted().joined(separator: ", ")
                throw StageError(
                    "no selection run to export: no report.json with selected_filenames.txt in the outputs of \(searched); add the schedule stage to 'needs' or set 'tag'",
                    code: .missingInput)
            }
            header = (upstream.run.runID, upstream.run.tag)
        } else {
            header = try await find(tag: tag, in: lightly)
        }
        let (id, runTag) = header
        let folder = SelectionRunFolder(runID: id)
        let listKey = folder.key(SelectionRunFolder.selectedFilenames)
        guard try await mapped({ try await lightly.head(listKey) }) != nil else {
            throw StageError(
                "Lightly datasource '\(datasource)': the run folder '\(folder.key)/' of tag '\(runTag)' has no selected_filenames.txt (key '\(listKey)'); run the schedule stage again",
                code: .missingInput)
        }
        let text = String(decoding: try await mapped { try await lightly.get(listKey, range: nil) }, as: UTF8.self)
        let names = text.split(whereSeparator: \.isNewline).map { String($0) }.filter { !$0.isEmpty }
        return SelectionRun(id: id, tag: runTag, selected: names)
    }

    /// The id of the upstream `schedule`'s run, when an upstream output holds its report.
    static func upstreamRunID(in item: StageItem) throws -> String? {
        try upstreamReport(in: item)?.run.runID
    }

    /// The report of the upstream selection run: the first item directory (in key order) holding
    /// both `report.json` and `selected_filenames.txt`.
    private static func upstreamReport(in item: StageItem) throws -> ReportHeader? {
        for stage in item.inputs.keys.sorted() {
            guard let directory = item.inputs[stage] else { continue }
            // A gather input has one folder per upstream item; a map input is the item's folder itself.
            let children = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []  // Unreadable: not a run.
            for folder in [directory] + children.sorted().map({ directory.appendingPathComponent($0) }) {
                let report = folder.appendingPathComponent(SelectionRunFolder.report)
                guard FileManager.default.fileExists(atPath: report.path),
                      FileManager.default.fileExists(atPath: folder.appendingPathComponent(SelectionRunFolder.selectedFilenames).path)
                else { continue }
                do {
                    return try JSONDecoder().decode(ReportHeader.self, from: Data(contentsOf: report))
                } catch {
                    throw StageError("'\(report.path)' is not a selection run's report: \(error)", code: .invalidInput)
                }
            }
        }
        return nil
    }

    /// The run whose `report.json` has `run.tag == tag`.
    private static func find(tag: String, in lightly: any BlobStore) async throws -> (String, String) {
        let reports = try await mapped { try await lightly.list(prefix: SelectionRunFolder.parent + "/") }
            .map(\.key)
            .filter { SelectionRunFolder.parse($0)?.file == SelectionRunFolder.report }
        var tags: [String] = []
        for key in reports {
            let data = try await mapped { try await lightly.get(key, range: nil) }
            guard let header = try? JSONDecoder().decode(ReportHeader.self, from: data) else { continue }  // Not a run's report: not a candidate.
            if header.run.tag == tag { return (header.run.runID, header.run.tag) }
            tags.append(header.run.tag)
        }
        let known = tags.isEmpty ? "it holds no selection run" : "its tags are " + tags.sorted().map { "'\($0)'" }.joined(separator: ", ")
        throw StageError(
            "Lightly datasource '\(lightly.location.description)': unknown tag '\(tag)' under '\(SelectionRunFolder.parent)/'; \(known)",
            code: .invalidParameter)
    }
}
