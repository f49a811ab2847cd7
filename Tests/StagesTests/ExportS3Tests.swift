import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JSON
import PluginAPI
import Storage
import Testing
import TestSupport

@testable import Stages

@Suite(.motoServer) struct ExportS3Tests {
    /// Copies the fixture's two local datasources into two fresh buckets of the server at
    /// `endpoint`; returns `export`'s parameters for them, with `expiry`.
    static func buckets(
        _ environment: [String: String], endpoint: URL, _ fixture: ExportFixture, expiry: JSONValue
    ) async throws -> (suffix: String, lightly: S3Datasource, parameters: [String: JSONValue]) {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        var stores: [S3Datasource] = []
        for (bucket, root) in [("input-\(suffix)", fixture.inputRoot), ("lightly-\(suffix)", fixture.lightlyRoot)] {
            let store = S3Datasource(configuration: try S3Configuration.resolve(
                bucket: bucket, prefix: "volleyball", endpoint: nil, region: nil, profile: nil, environment: environment))
            try await store.createBucket()
            let local = LocalDatasource(root: root)
            for object in try await local.list(prefix: "") {
                try await store.put(object.key, data: try await local.get(object.key, range: nil))
            }
            stores.append(store)
        }
        let parameters: [String: JSONValue] = [
            "input": .string("s3://input-\(suffix)/volleyball"), "lightly": .string("s3://lightly-\(suffix)/volleyball"),
            "endpoint": .string(endpoint.absoluteString), "task": .string(ExportFixture.task), "expiry": expiry,
            "tag": .string("initial-tag"),
        ]
        return (String(suffix), stores[1], parameters)
    }

    @Test func everyReadURLReturnsTheExportedFrameOverHTTP() async throws {
        let server = try MotoServerTrait.server()
        let fixture = try await ExportFixture()
        defer { fixture.directory.remove() }
        let (suffix, lightly, parameters) = try await Self.buckets(
            server.environment, endpoint: server.endpoint, fixture, expiry: .double(604800))
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

/// moto does not check the expiry of presigned URLs; LocalStack, with its signature checks on, does.
@Suite struct ExportReadURLExpiryTests {
    @Test func aFreshReadURLServesTheFrameAndAnExpiredOneIsRefused() async throws {
        try await LocalStackServer.with { server in
            let fixture = try await ExportFixture()
            defer { fixture.directory.remove() }
            let (_, _, parameters) = try await ExportS3Tests.buckets(
                server.environment, endpoint: server.endpoint, fixture, expiry: .int(86400))
            func readURLs(signedAt clock: Date, attempt: Int) async throws -> (URL, [FileNameAndReadURL]) {
                let context = try fixture.context(parameters, attempt: attempt)
                _ = try await ExportStage(environment: server.environment, now: { clock }).export(fixture.item, context: context)
                let listing = context.outputDirectory.appendingPathComponent("filenames-and-read-urls.json")
                return (context.outputDirectory, try JSONDecoder().decode([FileNameAndReadURL].self, from: Data(contentsOf: listing)))
            }
            // Signed in the current half-day window for a day: valid for at least 12 more hours.
            let (output, fresh) = try await readURLs(signedAt: Date(), attempt: 1)
            // Signed three days ago for a day: expired two days ago.
            let (_, expired) = try await readURLs(signedAt: Date().addingTimeInterval(-3 * 86400), attempt: 2)
            #expect(fresh.map(\.fileName) == ExportFixture.selected)
            #expect(expired.map(\.fileName) == ExportFixture.selected)
            for (valid, stale) in zip(fresh, expired) {
                let frame = try Data(contentsOf: output.appendingPathComponent("frames/\(valid.fileName)"))
                let (body, response) = try await URLSession.shared.data(from: try #require(URL(string: valid.readUrl)))
                #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(valid.fileName)")
                #expect(body == frame, "\(valid.fileName)")
                let (refusal, refused) = try await URLSession.shared.data(from: try #require(URL(string: stale.readUrl)))
                #expect((refused as? HTTPURLResponse)?.statusCode == 403, "\(stale.fileName)")
                #expect(String(decoding: refusal, as: UTF8.self).contains("<Code>AccessDenied</Code><Message>Request has expired</Message>"))
            }
        }
    }
}
