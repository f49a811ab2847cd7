import Engine
import Foundation
import JSON
import PluginAPI
import Synchronization
import Testing
import TestSupport

/// Parameters declared `flowsAlongNeeds` are taken from the nearest upstream stage declaring them,
/// and a stage that contradicts its upstream is refused at its value, naming where upstream set it.
@Suite struct NeedsInheritanceTests {
    /// What the `reader` plugin's validation hook was given, by stage name.
    static let hookSaw = Mutex<[String: [String: [JSONValue]]]>([:])

    struct Reader: Stage {
        let descriptor = PluginDescriptor(
            id: "reader", version: "1", summary: "Reads a datasource.", mode: .gather,
            parameters: [
                ParameterSpec("lightly", .url, default: .string("datasource/lightly"), flowsAlongNeeds: true, doc: "Datasource."),
                ParameterSpec("task", .string, default: .string("t"), flowsAlongNeeds: true, doc: "Task."),
                ParameterSpec("label", .string, default: .string(""), doc: "Does not flow."),
            ])

        func validate(_ parameters: Parameters) -> [ParameterIssue] {
            NeedsInheritanceTests.hookSaw.withLock { $0[parameters.values["label"]?.stringValue ?? ""] = parameters.upstreamValues }
            return []
        }

        func run(_ item: StageItem, context: any StageContext) async throws {}
    }

    static let plugins: [any Stage] = [
        DeclaredStage(descriptor: PluginDescriptor(
            id: "source", version: "1", summary: "One item.", mode: .gather,
            parameters: [ParameterSpec("label", .string, default: .string(""), doc: "Does not flow.")])),
        DeclaredStage(descriptor: PluginDescriptor(
            id: "writer", version: "1", summary: "Writes a task.", mode: .gather,
            parameters: [ParameterSpec("task", .string, default: .string("t"), flowsAlongNeeds: true, doc: "Task.")])),
        DeclaredStage(descriptor: PluginDescriptor(
            id: "namer", version: "1", summary: "Writes the task it names, as convert does.", mode: .gather,
            parameters: [ParameterSpec("task", .string, default: .string("t"), flowsAlongNeeds: true, startsFlow: true, doc: "Task.")])),
        Reader(),
    ]

    let directory: TemporaryDirectory
    let registry: PluginRegistry

    init() throws {
        directory = try TemporaryDirectory(prefix: "needs-inheritance")
        registry = try PluginRegistry(builtins: Self.plugins, pluginsDirectory: directory.url.appendingPathComponent("plugins"))
    }

    func load(_ stages: String) throws -> Pipeline {
        let file = directory.url.appendingPathComponent("p.yaml")
        try Data("version: 1\nstages:\n\(stages)".utf8).write(to: file)
        return try PipelineLoader(registry: registry).load(file)
    }

    func problems(_ stages: String) throws -> [String] {
        do {
            _ = try load(stages)
            return []
        } catch let error as PipelineError {
            return error.diagnostics.map { $0.description.replacingOccurrences(of: directory.url.path + "/p.yaml", with: "P") }
        }
    }

    @Test func anOmittedValueComesFromTheNearestUpstreamStageThroughStagesThatDoNotDeclareIt() throws {
        let pipeline = try load("""
              w: {uses: writer, with: {task: kp}}
              up: {uses: reader, needs: [w], with: {lightly: data/lightly}}
              pass: {uses: source, needs: [up]}
              down: {uses: reader, needs: [pass]}
            """)
        #expect(pipeline.stage(named: "up")?.with["task"] == .string("kp"))
        #expect(pipeline.stage(named: "down")?.with["lightly"] == .string("data/lightly"))
        #expect(pipeline.stage(named: "down")?.with["task"] == .string("kp"))
        // Without any upstream value, the default.
        let alone = try load("  r: {uses: reader}")
        #expect(alone.stage(named: "r")?.with["lightly"] == .string("datasource/lightly"))
        // An upstream stage's default flows too.
        let defaulted = try load("  w: {uses: writer}\n  r: {uses: reader, needs: [w]}")
        #expect(defaulted.stage(named: "r")?.with["task"] == .string("t"))
    }

    @Test func theSameFolderWrittenAnotherWayAgrees() throws {
        let absolute = directory.url.appendingPathComponent("data/lightly").path
        for written in ["./data/lightly/", absolute, "file://\(absolute)", "data/../data/lightly"] {
            let pipeline = try load("""
                  up: {uses: reader, with: {lightly: data/lightly}}
                  down: {uses: reader, needs: [up], with: {lightly: "\(written)"}}
                """)
            #expect(pipeline.stage(named: "down")?.with["lightly"] == .string(written))
        }
    }

    @Test func aContradictingValueIsRefusedAtItsPositionNamingWhereUpstreamSetIt() throws {
        #expect(try problems("""
              up: {uses: reader, with: {lightly: data/lightly}}
              mid: {uses: reader, needs: [up]}
              down: {uses: reader, needs: [mid], with: {lightly: data/other}}
            """) == [
                "P:5:54: error: parameter 'lightly' of stage 'down' is 'data/other', but upstream stage 'mid' uses 'data/lightly' (set at P:3:38 by stage 'up'); stages along needs must agree: omit 'lightly' here to take it from upstream",
            ])
        #expect(try problems("""
              w: {uses: writer}
              r: {uses: reader, needs: [w], with: {task: kp}}
            """) == [
                "P:4:46: error: parameter 'task' of stage 'r' is 'kp', but upstream stage 'w' uses 't' (its default); stages along needs must agree: omit 'task' here to take it from upstream",
            ])
    }

    /// A stage whose parameter names what it writes (`convert`'s task) may give another value
    /// than upstream's: the stages below take its value. Omitted, it still takes upstream's.
    @Test func aValueThatStartsAFlowNeedsNoAgreementWithUpstream() throws {
        let pipeline = try load("""
              w: {uses: writer, with: {task: kp}}
              second: {uses: namer, needs: [w], with: {task: kp_2}}
              down: {uses: reader, needs: [second]}
              same: {uses: namer, needs: [w]}
            """)
        #expect(pipeline.stage(named: "second")?.with["task"] == .string("kp_2"))
        #expect(pipeline.stage(named: "down")?.with["task"] == .string("kp_2"))
        #expect(pipeline.stage(named: "same")?.with["task"] == .string("kp"))
        // A stage below both flows must still pick one.
        #expect(try problems("""
              w: {uses: writer, with: {task: kp}}
              second: {uses: namer, needs: [w], with: {task: kp_2}}
              both: {uses: reader, needs: [w, second]}
            """) == [
                "P:5:16: error: stage 'both' takes parameter 'task' from upstream, but its upstream stages disagree: upstream stage 'w' uses 'kp' (set at P:3:34), upstream stage 'second' uses 'kp_2' (set at P:4:50); set 'task' to one of them",
            ])
    }

    @Test func upstreamPathsThatDisagreeAreRefusedUnlessTheStagePicksOne() throws {
        let stages = """
              a: {uses: writer, with: {task: kp}}
              b: {uses: writer, with: {task: boxes}}
              r: {uses: reader, needs: [a, b]WITH}
            """
        #expect(try problems(stages.replacingOccurrences(of: "WITH", with: "")) == [
            "P:5:13: error: stage 'r' takes parameter 'task' from upstream, but its upstream stages disagree: upstream stage 'a' uses 'kp' (set at P:3:34), upstream stage 'b' uses 'boxes' (set at P:4:34); set 'task' to one of them",
        ])
        let picked = try load(stages.replacingOccurrences(of: "WITH", with: ", with: {task: boxes}"))
        #expect(picked.stage(named: "r")?.with["task"] == .string("boxes"))
    }

    @Test func theValidationHookSeesWhatUpstreamUses() throws {
        _ = try load("""
              a: {uses: writer, with: {task: kp}}
              b: {uses: writer, with: {task: boxes}}
              r: {uses: reader, needs: [a, b], with: {task: kp, label: hook-test}}
            """)
        let saw = Self.hookSaw.withLock { $0["hook-test"] }
        #expect(saw?["task"] == [.string("kp"), .string("boxes")])
        #expect(saw?["lightly"] == nil)
    }

    @Test func anExternalPluginDeclaresAFlowingParameterInItsManifest() throws {
        let folder = directory.url.appendingPathComponent("plugins/annotate")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("#!/bin/sh\n".utf8).write(to: folder.appendingPathComponent("run.sh"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.appendingPathComponent("run.sh").path)
        try Data("""
            id: annotate
            version: "1"
            summary: Reads a task's predictions.
            argv: [./run.sh]
            parameters:
              - {name: task, type: string, default: none, flows_along_needs: true, doc: The task.}
            """.utf8).write(to: folder.appendingPathComponent("plugin.yaml"))
        let registry = try PluginRegistry(builtins: Self.plugins, pluginsDirectory: directory.url.appendingPathComponent("plugins"))
        #expect(registry.stage(id: "annotate")?.descriptor.parameters.first?.flowsAlongNeeds == true)
        let file = directory.url.appendingPathComponent("p.yaml")
        try Data("version: 1\nstages:\n  w: {uses: writer, with: {task: kp}}\n  a: {uses: annotate, needs: [w]}\n".utf8).write(to: file)
        let pipeline = try PipelineLoader(registry: registry).load(file)
        #expect(pipeline.stage(named: "a")?.with["task"] == .string("kp"))
    }
}
