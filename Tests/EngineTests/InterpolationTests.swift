import Engine
import Foundation
import JSON
import PluginAPI
import Testing

@Suite struct InterpolationTests {
    let scope = InterpolationScope(
        params: ["batch": .int(2), "task": .string("keypoints")],
        itemPath: URL(fileURLWithPath: "/videos/clips/game.mp4"), itemKey: "clips/game.mp4",
        outputDirectory: URL(fileURLWithPath: "/work/staging/1"),
        inputs: ["decode": URL(fileURLWithPath: "/work/in/decode")]
    )

    @Test func resolvesItemLevelReferences() throws {
        let value: JSONValue = .array([
            .string("${item.path}"), .string("${item.name}"), .string("${item.stem}"), .string("${out}/x.json"),
            .string("${in.decode}/manifest.json"), .string("key=${item.stem}, batch=${params.batch}"),
        ])
        #expect(try Interpolation.resolve(value, in: scope) == .array([
            .string("/videos/clips/game.mp4"), .string("game.mp4"), .string("game"), .string("/work/staging/1/x.json"),
            .string("/work/in/decode/manifest.json"), .string("key=game, batch=2"),
        ]))
    }

    @Test func wholeReferenceKeepsTheJSONType() throws {
        #expect(try Interpolation.resolve(.string("${params.batch}"), in: scope) == .int(2))
        #expect(try Interpolation.resolve(.object(["n": .string("${params.batch}")]), in: scope) == .object(["n": .int(2)]))
    }

    @Test func doubleDollarEscapesALiteral() throws {
        #expect(try Interpolation.resolve(.string("echo $${out} ${out}"), in: scope) == .string("echo ${out} /work/staging/1"))
        #expect(try Interpolation.resolve(.string("cost: $5"), in: scope) == .string("cost: $5"))
    }

    @Test func nonStringsPassThrough() throws {
        let value: JSONValue = .object(["a": .int(1), "b": .bool(true), "c": .null, "d": .double(0.5)])
        #expect(try Interpolation.resolve(value, in: scope) == value)
    }

    @Test func unresolvableReferencesFailTheItem() throws {
        let noSource = InterpolationScope(params: [:], itemPath: nil, itemKey: "all", outputDirectory: nil, inputs: [:])
        #expect(throws: StageError("cannot resolve '${item.path}' for item 'all': the item has no source file", code: .invalidParameter)) {
            try Interpolation.resolve(.string("${item.path}"), in: noSource)
        }
        #expect(throws: StageError("cannot resolve '${in.detect}' for item 'clips/game.mp4': no input from stage 'detect'", code: .invalidParameter)) {
            try Interpolation.resolve(.string("${in.detect}"), in: scope)
        }
        #expect(throws: StageError(
            "unknown reference '${item.size}'; expected params.NAME, item.path, item.name, item.stem, out or in.STAGE",
            code: .invalidParameter)) {
            try Interpolation.resolve(.string("${item.size}"), in: scope)
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
                  values: ["${params.batch}", "n=${params.batch}", "${params.fast}", "${params.names}", "${item.stem}", "$${out}", "${params.weird}"]
            """)
        let argv = try #require(pipeline.stage(named: "a")?.with["values"])
        #expect(argv == .array([
            .int(4), .string("n=4"), .bool(true), .array([.string("a"), .string("b")]), .string("${item.stem}"),
            .string("$${out}"), .string("x $${out} y"),
        ]))
        let scope = InterpolationScope(
            params: pipeline.params, itemPath: URL(fileURLWithPath: "/d/a.mp4"), itemKey: "a.mp4",
            outputDirectory: URL(fileURLWithPath: "/o"), inputs: [:])
        // A parameter's text is never read as a template, and `$${` survives to the run.
        #expect(try Interpolation.resolve(argv, in: scope) == .array([
            .int(4), .string("n=4"), .bool(true), .array([.string("a"), .string("b")]), .string("a"),
            .string("${out}"), .string("x ${out} y"),
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
