import ContentHash
import Foundation
@testable import Engine
import JSON
import Testing

/// A `file` parameter is keyed by its file's content unless it is a template, and whether it is a
/// template comes from the loaded stage's `templates` only (issue 23): a path written with the
/// escape `$${` is final text naming a file whose name holds `${`.
@Suite struct FileParameterKeyTests {
    static func pipeline(model: String) -> String {
        """
        version: 1
        name: keys
        stages:
          detect:
            uses: detect
            foreach: "data/*.mp4"
            with:
              model: "\(model)"
        """
    }

    static func keyFields(_ fixture: PipelineFixture, model: String) async throws -> CacheKeyFields {
        let pipeline = try fixture.load(Self.pipeline(model: model))
        let store = try CacheStore(workdir: pipeline.workdir)
        let statuses = try await PipelineInspector(pipeline: pipeline, registry: fixture.registry, store: store).inspect()
        return try #require(statuses.first { $0.id.description == "detect/a.mp4" }?.evaluation.fields)
    }

    @Test func anEscapedPathIsKeyedByItsFilesContent() async throws {
        let fixture = try PipelineFixture(files: ["data/a.mp4", "models/k${v}.pt"])
        defer { fixture.remove() }
        let fields = try await Self.keyFields(fixture, model: "models/k$${v}.pt")
        #expect(fields.params["model"] == nil, "the path text is not in the key")
        #expect(fields.files == ["model": ContentHash.sha256(of: Data("x".utf8))])

        try fixture.write("other weights", to: "models/k${v}.pt")
        let changed = try await Self.keyFields(fixture, model: "models/k$${v}.pt")
        #expect(changed.files == ["model": ContentHash.sha256(of: Data("other weights".utf8))])
        #expect(changed.digest != fields.digest)
    }

    @Test func aTemplateKeepsItsText() async throws {
        let fixture = try PipelineFixture(files: ["data/a.mp4", "models/a.pt"])
        defer { fixture.remove() }
        let fields = try await Self.keyFields(fixture, model: "models/${item.stem}.pt")
        #expect(fields.params["model"] == .string("models/${item.stem}.pt"))
        #expect(fields.files.isEmpty)
    }
}
