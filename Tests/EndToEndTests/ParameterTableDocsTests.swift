import Foundation
import Testing

/// `docs/stages/PLUGIN.md` shows the parameter table that `orchestrate plugins PLUGIN` prints,
/// line for line: the declaration in the code is the one source of both.
@Suite("docs: parameter tables")
struct ParameterTableDocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let pages = ["convert", "decode", "detect", "export", "labels", "metadata", "schedule", "train", "upload"]

    @Test(arguments: pages)
    func theStagePageShowsThePrintedTable(plugin: String) async throws {
        let printed = try await CLI.run(["plugins", plugin], in: Self.root)
        #expect(printed.status == 0, "\(printed.stderr)")
        let table = printed.lines.filter { $0.hasPrefix("|") }
        #expect(table.count >= 3, "\(printed.stdout)")
        let page = try String(contentsOf: Self.root.appendingPathComponent("docs/stages/\(plugin).md"), encoding: .utf8)
        #expect(page.contains(table.joined(separator: "\n") + "\n"), "docs/stages/\(plugin).md lacks the table of `orchestrate plugins \(plugin)`:\n\(table.joined(separator: "\n"))")
    }

    @Test func everyStagePageIsChecked() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs/stages").path)
        #expect(files.filter { $0.hasSuffix(".md") }.map { String($0.dropLast(3)) }.sorted() == Self.pages)
    }
}
