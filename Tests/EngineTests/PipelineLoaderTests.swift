import Engine
import Foundation
import PluginAPI
import Testing

@Suite struct PipelineLoaderTests {
    @Test func buildsStagesWithDefaultsDurationsAndWorkdir() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let pipeline = try fixture.load("""
            version: 1
            params: {batch: 2}
            stages:
              decode: {uses: decode, foreach: data/*.mp4, concurrency: 2}
              detect:
                uses: detect
                needs: decode
                with: {model: models/k.pt, batch_size: "${params.batch}", checkpoint_every: 1.5s}
                retries: 3
                timeout: 1h
                on_error: skip
            """)
        let directory = fixture.url.standardizedFileURL
        #expect(pipeline.name == "pipeline")
        #expect(pipeline.directory == directory)
        #expect(pipeline.workdir == directory.appendingPathComponent(".orchestrate", isDirectory: true))
        #expect(pipeline.params == ["batch": .int(2)])
        #expect(pipeline.stages.map(\.name) == ["decode", "detect"])
        let decode = try #require(pipeline.stage(named: "decode"))
        #expect(decode.foreach == "data/*.mp4")
        #expect(decode.concurrency == 2)
        #expect(decode.with == ["every": .int(1)])
        #expect(decode.location == SourceLocation(file: fixture.pipelineURL.path, line: 4, column: 3))
        let detect = try #require(pipeline.stage(named: "detect"))
        #expect(detect.needs == ["decode"])
        #expect(detect.retries == 3)
        #expect(detect.timeout == 3600)
        #expect(detect.onError == .skip)
        #expect(detect.with == [
            "model": .string("models/k.pt"), "batch_size": .int(2), "threshold": .double(0.5),
            "device": .string("cpu"), "checkpoint_every": .double(1.5), "classes": .array([]),
        ])
    }

    @Test func workdirIsRelativeToThePipelineAndNeverGlobbed() throws {
        let fixture = try PipelineFixture(files: ["a.mp4", "work/cached.mp4"])
        defer { fixture.remove() }
        let pipeline = try fixture.load("""
            version: 1
            name: custom
            workdir: work
            stages:
              decode: {uses: decode, foreach: "**/*.mp4"}
            """)
        #expect(pipeline.name == "custom")
        #expect(pipeline.workdir == fixture.url.standardizedFileURL.appendingPathComponent("work", isDirectory: true))
        #expect(try Glob("**/*.mp4").matches(in: pipeline.directory, excluding: pipeline.workdir).map(\.key) == ["a.mp4"])
    }

    @Test func durationsAcceptTheDocumentedForms() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        for (text, seconds) in [("90s", 90.0), ("20m", 1200), ("1h", 3600), ("1.5s", 1.5), ("500ms", 0.5), ("1h30m", 5400), ("7d", 604_800), ("1d12h", 129_600), ("45", 45)] {
            let pipeline = try fixture.load("""
                version: 1
                stages:
                  a: {uses: exec, with: {argv: [echo]}, timeout: \(text)}
                """)
            #expect(pipeline.stages[0].timeout == seconds, "\(text)")
        }
    }

    @Test func graphRendersDotAndMermaid() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let pipeline = try fixture.load("""
            version: 1
            name: demo
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              detect: {uses: detect, needs: [decode], with: {model: models/k.pt}}
              up: {uses: upload, needs: [detect]}
            """)
        let graph = PipelineGraph(pipeline: pipeline, registry: fixture.registry)
        #expect(graph.dot() == """
            digraph "demo" {
              rankdir=LR;
              node [shape=box];
              "decode" [label="decode\\nuses: decode\\nforeach: data/*.mp4"];
              "detect" [label="detect\\nuses: detect"];
              "up" [label="up\\nuses: upload (gather)", shape=box3d];
              "decode" -> "detect";
              "detect" -> "up";
            }

            """)
        #expect(graph.mermaid() == """
            flowchart LR
              s0["decode<br/>uses: decode<br/>foreach: data/*.mp4"]
              s1["detect<br/>uses: detect"]
              s2[["up<br/>uses: upload (gather)"]]
              s0 --> s1
              s1 --> s2

            """)
    }
}

@Suite struct PipelineFileTests {
    @Test func missingFileIsReportedAtItsStart() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let missing = fixture.url.appendingPathComponent("nope.yaml")
        let error = try #require(throws: PipelineError.self) { try PipelineLoader(registry: fixture.registry).load(missing) }
        #expect(error.description == "\(missing.path):1:1: error: cannot read pipeline file: no such file")
    }

    @Test func aFolderOrADeviceIsNamedAsSuchNotAsAFoundationError() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let loader = PipelineLoader(registry: fixture.registry)
        let folder = try #require(throws: PipelineError.self) { try loader.load(fixture.url) }
        #expect(folder.description == "\(fixture.url.path):1:1: error: cannot read pipeline file: it is a folder; name the pipeline's YAML file inside it")
        let device = try #require(throws: PipelineError.self) { try loader.load(URL(fileURLWithPath: "/dev/null")) }
        #expect(device.description == "/dev/null:1:1: error: cannot read pipeline file: it is not a regular file")
    }

    @Test func rootMustBeAMapping() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        #expect(try fixture.problems("- a\n- b\n") == ["P:1:1: error: a pipeline must be a mapping with 'version' and 'stages'"])
        #expect(try fixture.problems("") == ["P:1:1: error: a pipeline must be a mapping with 'version' and 'stages'"])
    }

    @Test func shapesOfFixedKeysAreChecked() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems("""
            version: 1
            params: [a, b]
            stages:
              a/b: {uses: exec, with: {argv: [echo]}}
              c: {uses: exec, needs: {x: 1}, with: [argv]}
            """)
        #expect(problems == [
            "P:2:9: error: 'params' must be a mapping of names to values",
            "P:4:3: error: invalid stage name 'a/b'; use letters, digits, '_', '-' and '.'",
            "P:5:13: error: stage 'c' is missing required parameter 'argv' of plugin 'exec'",
            "P:5:26: error: 'needs' must be a stage name or a list of stage names",
            "P:5:40: error: 'with' must be a mapping of parameter names to values",
        ])
    }
}
