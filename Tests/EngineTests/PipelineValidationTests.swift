import Engine
import Foundation
import PluginAPI
import Testing

/// Each case is one mistake a user makes, with the exact `file:line:col: error: message` they see.
@Suite struct PipelineValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let yaml: String
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "misspelt top-level key", yaml: """
            version: 1
            stagez:
              a: {uses: exec, with: {argv: [echo]}}
            """, expected: [
                "P:1:1: error: missing 'stages'",
                "P:2:1: error: unknown key 'stagez' (did you mean 'stages'?)",
            ]),
        Case(name: "misspelt stage key", yaml: """
            version: 1
            stages:
              a:
                uses: exec
                nedds: [b]
                with: {argv: [echo]}
            """, expected: ["P:5:5: error: unknown key 'nedds' in stage 'a' (did you mean 'needs'?)"]),
        Case(name: "unknown stage key without a close match", yaml: """
            version: 1
            stages:
              a: {uses: exec, with: {argv: [echo]}, colour: red}
            """, expected: [
                "P:3:41: error: unknown key 'colour' in stage 'a'; expected one of uses, needs, foreach, with, concurrency, retries, timeout, on_error",
            ]),
        Case(name: "misspelt plugin", yaml: """
            version: 1
            stages:
              decode:
                uses: decod
                foreach: data/*.mp4
            """, expected: ["P:4:11: error: unknown plugin 'decod' (did you mean 'decode'?)"]),
        Case(name: "misspelt stage in needs", yaml: """
            version: 1
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              detect: {uses: detect, needs: [decdoe], with: {model: models/k.pt}}
            """, expected: ["P:4:34: error: stage 'detect' needs unknown stage 'decdoe' (did you mean 'decode'?)"]),
        Case(name: "cycle", yaml: """
            version: 1
            stages:
              a: {uses: exec, needs: [c], with: {argv: [echo]}}
              b: {uses: exec, needs: [a], with: {argv: [echo]}}
              c: {uses: exec, needs: [b], with: {argv: [echo]}}
            """, expected: ["P:4:27: error: cycle in needs: a -> c -> b -> a"]),
        Case(name: "stage needing itself", yaml: """
            version: 1
            stages:
              a: {uses: exec, needs: [a], with: {argv: [echo]}}
            """, expected: ["P:3:27: error: cycle in needs: a -> a"]),
        Case(name: "misspelt parameter", yaml: """
            version: 1
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              detect:
                uses: detect
                needs: [decode]
                with: {model: models/k.pt, batchsize: 2}
            """, expected: ["P:7:32: error: unknown parameter 'batchsize' for plugin 'detect' (did you mean 'batch_size'?)"]),
        Case(name: "parameter of the wrong type", yaml: """
            version: 1
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              detect:
                uses: detect
                needs: [decode]
                with:
                  model: models/k.pt
                  batch_size: two
                  threshold: high
                  classes: [1, person]
            """, expected: [
                "P:9:19: error: parameter 'batch_size' expects integer, got 'two'",
                "P:10:18: error: parameter 'threshold' expects number, got 'high'",
                "P:11:20: error: parameter 'classes' expects integer, got 'person'",
            ]),
        Case(name: "choice with a typo", yaml: """
            version: 1
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              detect: {uses: detect, needs: [decode], with: {model: models/k.pt, device: cuad}}
            """, expected: ["P:4:78: error: parameter 'device' expects 'cpu' | 'cuda', got 'cuad' (did you mean 'cuda'?)"]),
        Case(name: "missing required parameter", yaml: """
            version: 1
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              detect: {uses: detect, needs: [decode]}
            """, expected: ["P:4:18: error: stage 'detect' is missing required parameter 'model' of plugin 'detect'"]),
        Case(name: "file parameter naming a missing file", yaml: """
            version: 1
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              detect: {uses: detect, needs: [decode], with: {model: models/missing.pt}}
            """, expected: ["P:4:57: error: parameter 'model' names file 'models/missing.pt', which does not exist"]),
        Case(name: "glob matching nothing", yaml: """
            version: 1
            stages:
              decode:
                uses: decode
                foreach: "videos/**/*.mkv"
            """, expected: ["P:5:14: error: foreach 'videos/**/*.mkv' matches no files"]),
        Case(name: "unknown pipeline parameter", yaml: """
            version: 1
            params: {task: keypoints}
            stages:
              convert:
                uses: convert
                with: {task: "${params.tsk}"}
            """, expected: ["P:6:18: error: unknown pipeline parameter '${params.tsk}' (did you mean 'task'?)"]),
        Case(name: "input from a stage not in needs", yaml: """
            version: 1
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              detect: {uses: detect, needs: [decode], with: {model: models/k.pt}}
              show:
                uses: exec
                needs: [detect]
                with: {argv: [cat, "${in.detcet}/detections.json"]}
            """, expected: [
                "P:8:24: error: '${in.detcet}' names stage 'detcet', which is not in the needs of 'show' (did you mean 'detect'?)",
            ]),
        Case(name: "unknown and unterminated references", yaml: """
            version: 1
            stages:
              a:
                uses: exec
                foreach: data/*.mp4
                with: {argv: [echo, "${item.size}", "${out"]}
            """, expected: [
                "P:6:25: error: unknown reference '${item.size}'; expected params.NAME, item.path, item.name, item.stem, out or in.STAGE",
                "P:6:41: error: unterminated '${' in '${out'",
            ]),
        Case(name: "item path without a foreach upstream", yaml: """
            version: 1
            stages:
              a: {uses: exec, with: {argv: [cat, "${item.path}"]}}
            """, expected: [
                "P:3:38: error: '${item.path}' needs one source file per item, but stage 'a' has no foreach upstream or gathers",
            ]),
        Case(name: "item-level reference in foreach", yaml: """
            version: 1
            stages:
              a: {uses: exec, foreach: "${out}/*.mp4", with: {argv: [echo]}}
            """, expected: [
                "P:3:28: error: '${out}' is not known before the run; only ${params.NAME} can be used here",
                "P:3:28: error: foreach '${out}/*.mp4' matches no files",
            ]),
        Case(name: "bad durations, retries, concurrency and on_error", yaml: """
            version: 1
            stages:
              a:
                uses: exec
                with: {argv: [echo]}
                timeout: 90x
                retries: -1
                concurrency: 0
                on_error: skp
            """, expected: [
                "P:6:14: error: invalid timeout '90x'; expected a number with a unit (ms, s, m, h, d) such as 90s, 20m, 1h, 7d or 1.5s",
                "P:7:14: error: 'retries' must be a non-negative integer, got '-1'",
                "P:8:18: error: 'concurrency' must be a positive integer, got '0'",
                "P:9:15: error: invalid on_error 'skp'; expected 'fail' or 'skip' (did you mean 'skip'?)",
            ]),
        Case(name: "duration parameter", yaml: """
            version: 1
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              detect: {uses: detect, needs: [decode], with: {model: models/k.pt, checkpoint_every: 1.5 minutes}}
            """, expected: [
                "P:4:88: error: parameter 'checkpoint_every' expects duration, got '1.5 minutes'",
            ]),
        Case(name: "unsupported version", yaml: """
            version: 2
            stages:
              a: {uses: exec, with: {argv: [echo]}}
            """, expected: ["P:1:10: error: unsupported version '2'; expected 1"]),
        Case(name: "foreach on a gather stage", yaml: """
            version: 1
            stages:
              all:
                uses: exec
                foreach: data/*.mp4
                with: {argv: [ls], gather: true}
              up: {uses: upload, foreach: data/*.mp4}
            """, expected: [
                "P:5:14: error: stage 'all' gathers (plugin 'exec' with gather: true), so it cannot have 'foreach'",
                "P:7:31: error: stage 'up' gathers (plugin 'upload'), so it cannot have 'foreach'",
            ]),
        Case(name: "stage without uses", yaml: """
            version: 1
            stages:
              a: {with: {argv: [echo]}}
            """, expected: ["P:3:3: error: stage 'a' has no 'uses'"]),
        Case(name: "YAML syntax error", yaml: """
            version: 1
            stages:
              a: {uses: exec
              b: x
            """, expected: ["P:4:4: error: invalid YAML: did not find expected ',' or '}'"]),
        Case(name: "duplicate stage", yaml: """
            version: 1
            stages:
              a: {uses: exec, with: {argv: [echo]}}
              a: {uses: exec, with: {argv: [echo]}}
            """, expected: ["P:4:3: error: duplicate key 'a' (first at line 3)"]),
        Case(name: "duplicate key further down a block mapping", yaml: """
            version: 1
            stages:
              a:
                uses: exec
                with: {argv: [echo]}
                uses: exec
            """, expected: ["P:6:5: error: duplicate key 'uses' (first at line 4)"]),
        Case(name: "tab in indentation", yaml: "version: 1\nstages:\n  a:\n\tuses: exec\n",
             expected: ["P:4:1: error: tabs are not allowed in YAML indentation; indent with spaces"]),
    ]

    @Test(arguments: cases)
    func reportsMistakeAtItsLocation(_ testCase: Case) throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        #expect(try fixture.problems(testCase.yaml) == testCase.expected)
    }

    @Test func reportsEveryProblemInFileOrder() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems("""
            version: 1
            stages:
              decode: {uses: decod, foreach: data/*.mp4}
              detect: {uses: detect, needs: [decode, nope], with: {model: models/k.pt, batch_size: x}}
              a: {uses: exec, with: {argv: [echo]}, retries: many}
            """)
        #expect(problems == [
            "P:3:18: error: unknown plugin 'decod' (did you mean 'decode'?)",
            "P:4:42: error: stage 'detect' needs unknown stage 'nope'",
            "P:4:88: error: parameter 'batch_size' expects integer, got 'x'",
            "P:5:50: error: 'retries' must be a non-negative integer, got 'many'",
        ])
    }

    @Test func acceptsACleanPipeline() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        #expect(try fixture.problems("""
            version: 1
            name: demo
            params: {task: keypoints, batch: 2}
            stages:
              decode: {uses: decode, foreach: data/*.mp4}
              detect:
                uses: detect
                needs: [decode]
                with: {model: models/k.pt, batch_size: "${params.batch}"}
                retries: 2
                timeout: 20m
              convert: {uses: convert, needs: [detect], with: {task: "${params.task}"}, on_error: skip}
              list: {uses: exec, needs: [convert], with: {argv: [ls, "${in.convert}", "${item.path}", "${out}"]}}
              up: {uses: upload, needs: [convert]}
            """) == [])
    }
}
