import Engine
import Foundation
import Testing

@Suite struct ClusterResourcesTests {
    @Test func resourcesAndExecutorsAreReadFromStagesAndThePipeline() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let pipeline = try fixture.load("""
            version: 1
            executor: slurm
            stages:
              decode:
                uses: decode
                foreach: data/*.mp4
                executor: local
                resources: {cpus: 2, mem: 1.5G, time: 90m, partition: short, account: lab, qos: low, extra: "--nice --constraint=x"}
              detect:
                uses: detect
                needs: decode
                with: {model: models/k.pt, device: cuda}
                resources: {mem: 512, array: 50}
            """)
        #expect(pipeline.executor == .slurm)
        let decode = try #require(pipeline.stage(named: "decode"))
        #expect(decode.executor == .local)
        #expect(decode.resources == ClusterResources(
            cpus: 2, memoryMB: 1536, minutes: 90, partition: "short", account: "lab", qos: "low",
            extra: ["--nice", "--constraint=x"]))
        let detect = try #require(pipeline.stage(named: "detect"))
        #expect(detect.executor == nil)
        #expect(detect.resources == ClusterResources(memoryMB: 512, gpus: 1, arraySize: 50), "device: cuda asks for a GPU")
    }

    @Test func badResourcesAreErrorsAtTheirPlace() throws {
        let fixture = try PipelineFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems("""
            version: 1
            executor: slrum
            stages:
              a:
                uses: exec
                with: {argv: [echo]}
                resources: {cpus: -1, mem: 4Q, gpus: two, time: soon, memory: 1G, array: 0}
            """)
        #expect(problems == [
            "P:2:11: error: invalid executor 'slrum'; expected 'local' or 'slurm' (did you mean 'slurm'?)",
            "P:7:23: error: 'cpus' must be a positive integer, got '-1'",
            "P:7:32: error: invalid mem '4Q'; expected a size such as 512M, 4G or 1T (a plain number is megabytes)",
            "P:7:42: error: 'gpus' must be a non-negative integer, got 'two'",
            "P:7:53: error: invalid time 'soon'; expected a number with a unit (ms, s, m, h, d) such as 90s, 20m, 1h, 7d or 1.5s",
            "P:7:59: error: unknown key 'memory' in 'resources' (did you mean 'mem'?)",
            "P:7:78: error: 'array' must be a positive integer, got '0'",
        ])
    }
}
