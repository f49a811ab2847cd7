@testable import Engine
import Foundation
import JSON
import PluginAPI
import Testing

@Suite struct InterpolationTests {
    let params: [String: JSONValue] = ["batch": .int(2), "task": .string("keypoints")]
    let scope = InterpolationScope(
        itemPath: URL(fileURLWithPath: "/videos/clips/game.mp4"), itemKey: "clips/game.mp4",
        outputDirectory: URL(fileURLWithPath: "/work/staging/1"),
        inputs: ["decode": URL(fileURLWithPath: "/work/in/decode")]
    )

    /// Both phases, as a run applies them: parameters at load, item-level references per item.
    func resolved(_ value: JSONValue, in scope: InterpolationScope? = nil) throws -> JSONValue {
        let loaded = Interpolation.resolveParams(value, params: params)
        return try Interpolation.resolve(loaded.value, templates: loaded.templates, in: scope ?? self.scope)
    }

    @Test func resolvesItemLevelReferences() throws {
        let value: JSONValue = .array([
            .string("${item.path}"), .string("${item.name}"), .string("${item.stem}"), .string("${out}/x.json"),
            .string("${in.decode}/manifest.json"), .string("key=${item.stem}, batch=${params.batch}"),
        ])
        #expect(try resolved(value) == .array([
            .string("/videos/clips/game.mp4"), .string("game.mp4"), .string("game"), .string("/work/staging/1/x.json"),
            .string("/work/in/decode/manifest.json"), .string("key=game, batch=2"),
        ]))
    }

    @Test func wholeReferenceKeepsTheJSONType() throws {
        #expect(try resolved(.string("${params.batch}")) == .int(2))
        #expect(try resolved(.object(["n": .string("${params.batch}")])) == .object(["n": .int(2)]))
    }

    @Test func doubleDollarEscapesALiteral() throws {
        #expect(try resolved(.string("echo $${out} ${out}")) == .string("echo ${out} /work/staging/1"))
        #expect(try resolved(.string("cost: $5")) == .string("cost: $5"))
    }

    /// A string without item-level references is final after the load: what validation and the
    /// cache key see is what the stage gets, with no escape in it.
    @Test func escapesDoNotOutliveTheLoad() throws {
        let loaded = Interpolation.resolveParams(.object(["a": .string("$${out}"), "b": .string("${out}/$${x}")]), params: params)
        #expect(loaded.value == .object(["a": .string("${out}"), "b": .string("${out}/$${x}")]))
        #expect(loaded.templates == [[.key("b")]])
        #expect(try Interpolation.resolve(loaded.value, templates: loaded.templates, in: scope)
            == .object(["a": .string("${out}"), "b": .string("/work/staging/1/${x}")]))
    }

    @Test func nonStringsPassThrough() throws {
        let value: JSONValue = .object(["a": .int(1), "b": .bool(true), "c": .null, "d": .double(0.5)])
        #expect(try resolved(value) == value)
    }

    @Test func unresolvableReferencesFailTheItem() throws {
        let noSource = InterpolationScope(itemPath: nil, itemKey: "all", outputDirectory: nil, inputs: [:])
        #expect(throws: StageError("cannot resolve '${item.path}' for item 'all': the item has no source file", code: .invalidParameter)) {
            try resolved(.string("${item.path}"), in: noSource)
        }
        #expect(throws: StageError("cannot resolve '${in.detect}' for item 'clips/game.mp4': no input from stage 'detect'", code: .invalidParameter)) {
            try resolved(.string("${in.detect}"))
        }
    }

    @Test func loaderResolvesParamsKeepingTypesAndLeavesItemReferences() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let pipeline = try fixture.load("""
            version: 1
            params:
              batch: 4
              fast: true
              names: [a, b]
              weird: "x ${out} y"
            stages:
              a:
                uses: probe
                foreach: data/*.mp4
                with:
                  values: ["${params.batch}", "n=${params.batch}", "${params.fast}", "${params.names}", "${item.stem}", "$${out}", "${params.weird}", "${item.stem} ${params.weird}"]
            """)
        let stage = try #require(pipeline.stage(named: "a"))
        let values = try #require(stage.with["values"])
        // Only the strings with item-level references are templates; the others are final.
        #expect(values == .array([
            .int(4), .string("n=4"), .bool(true), .array([.string("a"), .string("b")]), .string("${item.stem}"),
            .string("${out}"), .string("x ${out} y"), .string("${item.stem} x $${out} y"),
        ]))
        #expect(stage.templates == [[.key("values"), .index(4)], [.key("values"), .index(7)]])
        let scope = InterpolationScope(
            itemPath: URL(fileURLWithPath: "/d/a.mp4"), itemKey: "a.mp4", outputDirectory: URL(fileURLWithPath: "/o"), inputs: [:])
        // A parameter's text is never read as a template.
        #expect(try Interpolation.resolve(values, templates: Set(stage.templates.map { Array($0.dropFirst()) }), in: scope)
            == .array([
                .int(4), .string("n=4"), .bool(true), .array([.string("a"), .string("b")]), .string("a"),
                .string("${out}"), .string("x ${out} y"), .string("a x ${out} y"),
            ]))
    }

    @Test func foreachMayUseParams() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let pipeline = try fixture.load("""
            version: 1
            params: {videos: data}
            stages:
              decode: {uses: decode, foreach: "${params.videos}/*.mp4"}
            """)
        #expect(pipeline.stage(named: "decode")?.foreach == "data/*.mp4")
    }
}
