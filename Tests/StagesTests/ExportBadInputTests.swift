import Foundation
import JSON
import PluginAPI
import Testing
import TestSupport

@testable import Stages

@Suite struct ExportBadInputTests {
    private func failure(_ fixture: ExportFixture, _ overrides: [String: JSONValue] = [:]) async throws -> String? {
        let context = try fixture.context(fixture.localParameters.merging(overrides) { $1 }, attempt: 1)
        let error = await #expect(throws: StageError.self) { try await ExportStage(environment: [:]).run(fixture.item, context: context) }
        return error?.description
    }

    private func lightly(_ fixture: ExportFixture) -> String { "file://\(fixture.lightlyRoot.path)" }
    private func input(_ fixture: ExportFixture) -> String { "file://\(fixture.inputRoot.path)" }
    private var run: String { ".lightly/runs/\(ExportFixture.runID)" }

    @Test func aMissingRunFolderNamesTheDatasourceAndKey() async throws {
        let fixture = try await ExportFixture()
        defer { fixture.directory.remove() }
        try FileManager.default.removeItem(at: fixture.lightlyRoot.appendingPathComponent(run))
        #expect(try await failure(fixture)
            == "Lightly datasource '\(lightly(fixture))': the run folder '\(run)/' of tag 'initial-tag' has no selected_filenames.txt (key '\(run)/selected_filenames.txt'); run the schedule stage again")
    }

    @Test func anUnknownTagListsTheKnownOnes() async throws {
        let fixture = try await ExportFixture()
        defer { fixture.directory.remove() }
        #expect(try await failure(fixture, ["tag": .string("tag-9")])
            == "Lightly datasource '\(lightly(fixture))': unknown tag 'tag-9' under '.lightly/runs/'; its tags are 'initial-tag'")
    }

    @Test func aFrameOfAMissingVideoNamesTheInputDatasourceAndKey() async throws {
        let fixture = try await ExportFixture(selected: ["game-03-mp4.png", "clips/gone-07-mp4.png"])
        defer { fixture.directory.remove() }
        #expect(try await failure(fixture)
            == "input datasource '\(input(fixture))', key 'clips/gone.mp4': no such video, but run '\(ExportFixture.runID)' (tag 'initial-tag') selects frames of it")
    }

    @Test func aNameThatIsNoFrameNameOrPastTheEndFails() async throws {
        let fixture = try await ExportFixture(selected: ["game-03-mp4.png", "notes.txt"])
        defer { fixture.directory.remove() }
        #expect(try await failure(fixture)
            == "Lightly datasource '\(lightly(fixture))', key '\(run)/selected_filenames.txt': 'notes.txt' is not a frame name ({video without extension}-{index}-{extension}.png)")
        let late = try await ExportFixture(selected: ["game-99-mp4.png"])
        defer { late.directory.remove() }
        #expect(try await failure(late)
            == "input datasource \(input(late))/game.mp4: 'game.mp4' has no frame 99 (it ends before), but its predictions name it")
    }

    @Test func aNameThatEscapesTheRootFailsBeforeAnythingIsWritten() async throws {
        let fixture = try await ExportFixture(selected: ["game-03-mp4.png", "../../secret-01-mp4.png"])
        defer { fixture.directory.remove() }
        #expect(try await failure(fixture)
            == "datasource '\(input(fixture))', key '../../secret.mp4': invalid object key: '..' would escape the datasource root")
        #expect(!FileManager.default.fileExists(atPath: fixture.lightlyRoot.appendingPathComponent("\(run)/frames").path))
    }

    @Test func noUpstreamRunAndNoTagSaysWhatToAdd() async throws {
        let fixture = try await ExportFixture()
        defer { fixture.directory.remove() }
        let item = StageItem(key: "all", sources: [], inputs: [:])
        let context = try fixture.context(fixture.localParameters, attempt: 1)
        let error = await #expect(throws: StageError.self) { try await ExportStage(environment: [:]).run(item, context: context) }
        #expect(error?.description
            == "no selection run to export: no report.json with selected_filenames.txt in the outputs of no upstream stage; add the schedule stage to 'needs' or set 'tag'")
    }
}
