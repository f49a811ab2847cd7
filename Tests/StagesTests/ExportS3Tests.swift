import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PluginAPI
import Storage
import Testing
import TestSupport

@testable import Stages

@Suite(.motoServer) struct ExportS3Tests {
    /// Copies the fixture's two local datasources into two fresh buckets of the moto server.
    static func buckets(_ server: MotoServer, _ fixture: ExportFixture) async throws -> (suffix: String, lightly: S3Datasource) {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        var stores: [S3Datasource] = []
        for (bucket, root) in [("input-\(suffix)", fixture.inputRoot), ("lightly-\(suffix)", fixture.lightlyRoot)] {
            let store = S3Datasource(configuration: try S3Configuration.resolve(
                bucket: bucket, prefix: "volleyball", endpoint: nil, region: nil, profile: nil, environment: server.environment))
            try await store.createBucket()
            let local = LocalDatasource(root: root)
            for object in try await local.list(prefix: "") {
                try await store.put(object.key, data: try await local.get(object.key, range: nil))
            }
            stores.append(store)
        }
        return (String(suffix), stores[1])
    }

    @Test func everyReadURLReturnsTheExportedFrameOverHTTP() async throws {
        let server = try MotoServerTrait.server()
        let fixture = try ExportFixture()
        defer { fixture.directory.remove() }
        let (suffix, lightly) = try await Self.buckets(server, fixture)
        let parameters: [String: JSONValue] = [
            "input": .string("s3://input-\(suffix)/volleyball"), "lightly": .string("s3://lightly-\(suffix)/volleyball"),
            "endpoint": .string(server.endpoint.absoluteString), "task": .string(ExportFixture.task), "expiry": .double(604800),
            "tag": .string("initial-tag"),
        ]
        let clock = Date(timeIntervalSince1970: 1_795_000_000)
        let stage = ExportStage(environment: server.environment, now: { clock })
        let context = try fixture.context(parameters, attempt: 1)
        #expect(try await stage.export(fixture.item, context: context).uploaded == 3)

        let entries = try JSONDecoder().decode(
            [FileNameAndReadURL].self, from: Data(contentsOf: context.outputDirectory.appendingPathComponent("filenames-and-read-urls.json")))
        #expect(entries.map(\.fileName) == ExportFixture.selected)
        for entry in entries {
            let frame = try Data(contentsOf: context.outputDirectory.appendingPathComponent("frames/\(entry.fileName)"))
            let url = try #require(URL(string: entry.readUrl))
            let (body, response) = try await URLSession.shared.data(from: url)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(body == frame, "\(entry.fileName)")
            #expect(entry.readUrl.contains("X-Amz-Expires=604800"))
            #expect(entry.readUrl.contains("X-Amz-Date=20261118T000000Z"), "signed at the start of the day")
            #expect(entry.datasourceUrl == "s3://lightly-\(suffix)/volleyball/.lightly/runs/\(ExportFixture.runID)/frames/\(entry.fileName)")
            #expect(try await lightly.get(".lightly/runs/\(ExportFixture.runID)/frames/\(entry.fileName)", range: nil) == frame)
        }
        let tasks = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: context.outputDirectory.appendingPathComponent("label-studio-tasks.json")))
        try ExportStageLocalTests.checkLabelStudio(tasks, entries: entries)

        // Later the same day: nothing stored, the same bytes. The URLs are re-signed once they
        // have less than a day left.
        let later = ExportStage(environment: server.environment, now: { clock.addingTimeInterval(3600) })
        let again = try fixture.context(parameters, attempt: 2)
        #expect(try await later.export(fixture.item, context: again).uploaded == 0)
        for file in ["filenames-and-read-urls.json", "label-studio-tasks.json", "coco-keypoints.json"] {
            #expect(try Data(contentsOf: context.outputDirectory.appendingPathComponent(file))
                    == Data(contentsOf: again.outputDirectory.appendingPathComponent(file)))
        }
        #expect(try await later.verify(receipts: context.receipts, item: fixture.item, context: context))
        let nextWeek = ExportStage(environment: server.environment, now: { clock.addingTimeInterval(6.5 * 86400) })
        #expect(try await nextWeek.verify(receipts: context.receipts, item: fixture.item, context: context) == false)
        #expect(!String(decoding: try Data(contentsOf: context.outputDirectory.appendingPathComponent("coco-keypoints.json")), as: UTF8.self)
            .contains("X-Amz"), "only the URL documents hold signatures")
    }
}
