import Foundation
import Testing
import TestSupport

/// `orchestrate run --executor slurm` against a real one-node cluster started for each test.
@Suite(.serialized, .enabled(if: SlurmCluster.isInstalled, Comment(rawValue: SlurmCluster.notInstalledReason)))
struct SlurmTests {
    /// Files under `WORKDIR/out`, by path relative to it, with their bytes.
    private func outputs(_ workspace: Workspace) throws -> [String: Data] {
        let base = workspace.outDirectory.resolvingSymlinksInPath().path
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: base)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = base + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
        }
        return files
    }

    private func waitUntil(_ what: String, timeout: Double = 60, _ condition: () async throws -> Bool) async throws {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while try await !condition() {
            guard Date() < deadline else { throw TestSupportError("timed out waiting until \(what)") }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    private func lines(_ file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func execPipelineOnSlurmMatchesALocalRunAndRunsAgainFromTheCache() async throws {
        try await SlurmCluster.with { cluster in
            let sources = ["a.txt": "apple\n", "b.txt": "banana\n", "c.txt": "cherry\n"]
            let local = try Workspace(sources: sources)
            let remote = try Workspace(sources: sources)
            defer { local.directory.remove(); remote.directory.remove() }
            try local.write(pipeline: threeStagePipeline(log: local.log))
            try remote.write(pipeline: threeStagePipeline(log: remote.log))

            let localRun = try await CLI.run(["run", "p.yaml"], in: local.root)
            #expect(localRun.status == 0, "\(localRun.stderr)")
            let slurmRun = try await CLI.run(["run", "p.yaml", "--executor", "slurm"], in: remote.root, environment: cluster.environment)
            #expect(slurmRun.status == 0, "\(slurmRun.stderr)")
            #expect(slurmRun.stderr.contains("7 done, 0 cached, 0 failed"), "\(slurmRun.stderr)")
            let expected = try outputs(local)
            #expect(expected.count == 7)
            #expect(try outputs(remote) == expected)

            let before = try await cluster.probeJobID()
            let again = try await CLI.run(["run", "p.yaml", "--executor", "slurm"], in: remote.root, environment: cluster.environment)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("0 done, 7 cached, 0 failed"), "\(again.stderr)")
            let after = try await cluster.probeJobID()
            #expect(after == before + 1, "the cached run submitted \(after - before - 1) jobs")
        }
    }

    @Test func volleyballOnSlurmWritesTheBytesOfALocalRunAndRunsAgainFromTheCache() async throws {
        let reference = try await VolleyballTests.fastReference.value
        try await SlurmCluster.with { cluster in
            let scenario = try VolleyballScenario(reference.settings)
            defer { scenario.directory.remove() }
            let arguments = ["run", scenario.pipeline, "--executor", "slurm", "--json"]
            let first = try await CLI.run(arguments, in: scenario.root, environment: cluster.environment)
            try #require(first.status == 0, "\(first.stderr)")
            // Every stage's files, byte for byte, except what names the run's own folder (upload's
            // and export's datasource paths), schedule's timings and the report showing them, and
            // export's links into the selection's run folder (named after a digest of the datasource).
            for stage in VolleyballScenario.stageItems.keys.sorted() {
                let expected = try await reference.outputs(stage)
                let actual = try await scenario.outputs(stage)
                #expect(actual.keys.sorted() == expected.keys.sorted(), "\(stage)'s files differ")
                for (path, url) in expected where stage != "schedule" || path.hasSuffix("selected_filenames.txt") {
                    guard let other = actual[path] else { continue }
                    let (mine, theirs) = try (Data(contentsOf: url), Data(contentsOf: other))
                    let same = ["upload", "export"].contains(stage)
                        ? Self.withoutRoot(mine, reference.root) == Self.withoutRoot(theirs, scenario.root)
                        : mine == theirs
                    #expect(same, "\(stage): \(path) differs from the local run")
                }
            }
            let before = try await cluster.probeJobID()
            let again = try await CLI.run(arguments, in: scenario.root, environment: cluster.environment)
            #expect(again.status == 0, "\(again.stderr)")
            let outcomes = try VolleyballScenario.outcomes(again)
            #expect(outcomes.values.allSatisfy { $0 == "cached" }, "re-run recomputed: \(outcomes.filter { $0.value != "cached" })")
            #expect(try await cluster.probeJobID() == before + 1, "the cached run submitted jobs")
        }
    }

    @Test func sigintCancelsEveryJobOfTheRun() async throws {
        try await SlurmCluster.with { cluster in
            let workspace = try Workspace(sources: ["a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n"])
            defer { workspace.directory.remove() }
            try workspace.write(pipeline: threeStagePipeline(log: workspace.log, sleep: "120"))
            let run = try CLI.start(["run", "p.yaml", "--executor", "slurm"], in: workspace.root, environment: cluster.environment)
            try await waitUntil("three jobs are queued") { try await cluster.liveJobs().count == 3 }
            run.send(SIGINT)
            let result = try await CLI.finish(run)
            #expect(result.status == 130, "\(result.stderr)")
            #expect(try await cluster.liveJobs() == [], "jobs of the interrupted run are left in squeue")
        }
    }

    @Test func aNewRunCancelsTheJobsOfAKilledDriverAndRerunsNoCommittedItem() async throws {
        try await SlurmCluster.with { cluster in
            let workspace = try Workspace(sources: ["a.txt": "apple\n", "b.txt": "banana\n"])
            defer { workspace.directory.remove() }
            // `a.txt` finishes at once; `b.txt`'s first job waits (two minutes at most), later ones do not.
            try workspace.write(pipeline: """
                version: 1
                name: killed
                stages:
                  copy:
                    uses: exec
                    foreach: "data/*.txt"
                    with:
                      argv: [sh, -c, 'echo "copy $3" >> "$0"; if [ "$3" = b.txt ] && [ ! -e "$0.b" ]; then touch "$0.b"; sleep 120; fi; cp "$1" "$2/copy.txt"', "\(workspace.log.path)", "${item.path}", "${out}", "${item.name}"]
                """)
            let first = try CLI.start(["run", "p.yaml", "--executor", "slurm"], in: workspace.root, environment: cluster.environment)
            try await waitUntil("a.txt is committed and b.txt runs") {
                try await workspace.committedItemsInDatabase().contains("copy/a.txt")
                    && FileManager.default.fileExists(atPath: workspace.log.path + ".b")
            }
            let orphans = try await cluster.liveJobs()
            #expect(orphans.count == 1)
            first.send(SIGKILL)
            _ = try await CLI.finish(first)

            let second = try await CLI.run(["run", "p.yaml", "--executor", "slurm"], in: workspace.root, environment: cluster.environment)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("1 done, 1 cached"), "\(second.stderr)")
            #expect(try workspace.count("copy a.txt") == 1, "a committed item ran again")
            #expect(try workspace.count("copy b.txt") == 2)
            #expect(try workspace.output("copy/b.txt/copy.txt") == Data("banana\n".utf8))
            #expect(try await cluster.liveJobs().filter(orphans.contains) == [], "the dead driver's job still runs")
        }
    }

    @Test func aRunWaitsForAStoppedControllerAndCompletes() async throws {
        try await SlurmCluster.with { cluster in
            let workspace = try Workspace(sources: ["a.txt": "apple\n", "b.txt": "banana\n"])
            defer { workspace.directory.remove() }
            try workspace.write(pipeline: threeStagePipeline(log: workspace.log, sleep: "2"))
            let run = try CLI.start(["run", "p.yaml", "--executor", "slurm"], in: workspace.root, environment: cluster.environment)
            try await waitUntil("the first jobs run") { try await !cluster.liveJobs().isEmpty }
            try await cluster.control("stop-controller")
            try await Task.sleep(nanoseconds: 10_000_000_000)
            try await cluster.control("start-controller")
            let result = try await CLI.finish(run)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("5 done, 0 cached, 0 failed"), "\(result.stderr)")
            #expect(try workspace.output("total/all/all.txt") == Data("APPLE\nAPPLE\nBANANA\nBANANA\n".utf8))
        }
    }

    @Test func aJobLostWithItsNodeRunsAgainAsANewAttempt() async throws {
        try await SlurmCluster.with { cluster in
            let workspace = try Workspace(sources: ["a.txt": "apple\n"])
            defer { workspace.directory.remove() }
            let pids = workspace.root.appendingPathComponent("pids")
            // The first attempt notes its pid and waits to be killed; the second copies.
            try workspace.write(pipeline: """
                version: 1
                name: node-failure
                stages:
                  copy:
                    uses: exec
                    foreach: "data/*.txt"
                    retries: 1
                    with:
                      argv: [sh, -c, 'echo "copy $3" >> "$0"; if [ ! -e "$4" ]; then echo $$ > "$4"; sleep 120; fi; cp "$1" "$2/copy.txt"', "\(workspace.log.path)", "${item.path}", "${out}", "${item.name}", "\(pids.path)"]
                """)
            let run = try CLI.start(["run", "p.yaml", "--executor", "slurm"], in: workspace.root, environment: cluster.environment)
            try await waitUntil("the first attempt runs") { !lines(pids).isEmpty }
            // The node dies with its job: slurmd, then the job's processes.
            try await cluster.control("kill-node")
            let pid = try #require(lines(pids).first.flatMap { Int32($0) })
            for process in try jobProcesses(around: pid) { kill(process, SIGKILL) }
            try await waitUntil("Slurm declares the node failed", timeout: 90) {
                try await cluster.client("squeue", ["--noheader", "--states=all", "--format=%T"]).contains("NODE_FAIL")
            }
            try await cluster.control("start-node")
            let result = try await CLI.finish(run)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try workspace.count("copy a.txt") == 2)
            #expect(try workspace.output("copy/a.txt/copy.txt") == Data("apple\n".utf8))
        }
    }

    @Test func aJobOverItsMemoryFailsNamingTheItemAndOutOfMemory() async throws {
        try await SlurmCluster.with(cgroup: true) { cluster in
            let workspace = try Workspace(sources: ["a.txt": "apple\n"])
            defer { workspace.directory.remove() }
            try workspace.write(pipeline: """
                version: 1
                name: memory
                stages:
                  grow:
                    uses: exec
                    foreach: "data/*.txt"
                    resources: {mem: 64M}
                    with:
                      argv: [python3, -c, 'x = bytearray(400 * 1024 * 1024); import time; time.sleep(2)']
                """)
            let result = try await CLI.run(["run", "p.yaml", "--executor", "slurm"], in: workspace.root, environment: cluster.environment)
            #expect(result.status == 1)
            #expect(result.stderr.contains("grow/a.txt"), "\(result.stderr)")
            #expect(result.stderr.contains("OUT_OF_MEMORY"), "\(result.stderr)")
        }
    }

    @Test func itemsThatStartTogetherGoAsOneArrayOfBatchesAndALostBatchRunsOnlyItsUnfinishedItemsAgain() async throws {
        try await SlurmCluster.with { cluster in
            let sources = ["a.txt": "apple\n", "b.txt": "banana\n", "c.txt": "cherry\n", "d.txt": "date\n", "e.txt": "elder\n"]
            let local = try Workspace(sources: sources)
            let remote = try Workspace(sources: sources)
            defer { local.directory.remove(); remote.directory.remove() }
            // Two items per job: one array of three tasks, in the order the items arrive. Under
            // `hold`, the first item of task 1 notes its pid and name and waits to be killed; the
            // other item of that task waits behind it.
            func pipeline(_ workspace: Workspace) -> String {
                let hold = workspace.root.appendingPathComponent("hold").path
                return """
                    version: 1
                    name: arrays
                    stages:
                      copy:
                        uses: exec
                        foreach: "data/*.txt"
                        retries: 1
                        resources: {batch: 2}
                        with:
                          argv: [sh, -c, 'echo "copy $3" >> "$0"; if [ -e "$4" ] && [ "x$SLURM_ARRAY_TASK_ID" = x1 ] && [ ! -e "$4.1" ]; then echo "$$ $3" > "$4.1"; sleep 120; fi; cp "$1" "$2/copy.txt"', "\(workspace.log.path)", "${item.path}", "${out}", "${item.name}", "\(hold)"]
                    """
            }
            try local.write(pipeline: pipeline(local))
            try remote.write(pipeline: pipeline(remote))
            let hold = remote.root.appendingPathComponent("hold")
            let held = URL(fileURLWithPath: hold.path + ".1")
            _ = FileManager.default.createFile(atPath: hold.path, contents: nil)

            let localRun = try await CLI.run(["run", "p.yaml"], in: local.root)
            #expect(localRun.status == 0, "\(localRun.stderr)")
            let run = try CLI.start(["run", "p.yaml", "--executor", "slurm"], in: remote.root, environment: cluster.environment)
            try await waitUntil("tasks 0 and 2 are committed while task 1 waits") {
                try await remote.committedItemsInDatabase().count == 3 && !lines(held).isEmpty
            }
            let committedBefore = try await remote.committedItemsInDatabase()
            // One sbatch: three tasks of one array.
            let tasks = try await cluster.client("squeue", ["--noheader", "--array", "--states=all", "--format=%F|%i"])
                .split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
            #expect(tasks.count == 3 && Set(tasks.map { $0[0] }).count == 1, "not one array of three tasks: \(tasks)")
            #expect(tasks.allSatisfy { $0[1].hasPrefix($0[0] + "_") }, "\(tasks)")

            // The node dies with task 1, whose second item has not started.
            try await cluster.control("kill-node")
            let fields = try #require(lines(held).first?.split(separator: " ").map(String.init))
            let (pid, heldItem) = try (#require(Int32(fields[0])), fields[1])
            for process in try jobProcesses(around: pid) { kill(process, SIGKILL) }
            try await waitUntil("Slurm declares the node failed", timeout: 90) {
                try await cluster.client("squeue", ["--noheader", "--array", "--states=all", "--format=%T"]).contains("NODE_FAIL")
            }
            try await cluster.control("start-node")
            let result = try await CLI.finish(run)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("5 done, 0 cached, 0 failed"), "\(result.stderr)")
            #expect(!committedBefore.contains("copy/\(heldItem)"))
            for name in sources.keys.sorted() {
                #expect(try remote.count("copy \(name)") == (name == heldItem ? 2 : 1), "\(name) ran a wrong number of times")
            }
            #expect(try outputs(remote) == outputs(local))
        }
    }

    @Test func theJSONEventsOfAnItemThatWaitsInTheQueueShowQueuedThenRunningThenDone() async throws {
        try await SlurmCluster.with { cluster in
            let workspace = try Workspace(sources: ["a.txt": "apple\n"])
            defer { workspace.directory.remove() }
            try workspace.write(pipeline: threeStagePipeline(log: workspace.log))
            // A job holding every CPU of the node keeps the item's job PENDING until it is cancelled.
            let blocker = try await cluster.client("sbatch", ["--parsable", "--exclusive", "--output=/dev/null", "--wrap=sleep 300"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try await waitUntil("the blocker runs") {
                try await cluster.client("squeue", ["--noheader", "--jobs=\(blocker)", "--format=%T"]).contains("RUNNING")
            }
            let run = try CLI.start(["run", "p.yaml", "--executor", "slurm", "--json"], in: workspace.root, environment: cluster.environment)
            try await waitUntil("the item's job waits") {
                try await cluster.client("squeue", ["--noheader", "--states=PENDING", "--format=%i"]).split(separator: "\n").count == 1
            }
            try await Task.sleep(nanoseconds: 1_000_000_000)
            try await cluster.client("scancel", [blocker])
            let result = try await CLI.finish(run)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try Self.events(result, item: "upper/a.txt") == ["started", "queued", "running", "finished"])

            let local = try await CLI.run(["run", "p.yaml", "--json", "--force", "upper"], in: workspace.root)
            #expect(local.status == 0, "\(local.stderr)")
            #expect(try Self.events(local, item: "upper/a.txt") == ["started", "finished"], "a local item queued")
        }
    }

    /// The `--json` events of `item`, in order.
    private static func events(_ result: CLI.Result, item: String) throws -> [String] {
        try result.lines.compactMap { line in
            guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  event["item"] as? String == item else { return nil }
            return event["event"] as? String
        }
    }

    /// A JSON file's text with the scenario's folder as `ROOT` and the selection run's folder
    /// (`run-` and a digest that includes the datasource's listing, which names it) as `run-ID`.
    private static func withoutRoot(_ data: Data, _ root: URL) -> String {
        String(decoding: data, as: UTF8.self).replacingOccurrences(of: root.path, with: "ROOT")
            .replacingOccurrences(of: "run-[0-9a-f]+", with: "run-ID", options: .regularExpression)
    }

    /// The job step around a job's shell: `slurmstepd` and the processes down to the shell,
    /// outermost first, then the shell's children, found through /proc.
    private func jobProcesses(around pid: Int32) throws -> [Int32] {
        func parent(of pid: Int32) -> Int32? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let end = stat.lastIndex(of: ")") else { return nil }
            return stat[stat.index(after: end)...].split(separator: " ").dropFirst().first.flatMap { Int32($0) }
        }
        var processes: [Int32] = [pid]
        // The worker (orchestrate) runs the shell; slurmstepd runs the job's batch script, which
        // runs the worker (a batch: in a subshell).
        var current = pid
        for _ in 0..<4 {
            guard let up = parent(of: current), up > 1 else { break }
            processes.append(up)
            current = up
            if let name = try? String(contentsOfFile: "/proc/\(up)/comm", encoding: .utf8), name.hasPrefix("slurmstepd") { break }
        }
        let children = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init)
            .filter { parent(of: $0) == pid }
        // Outermost first: a batch's shell killed after its current worker could start the next item.
        return processes.reversed() + children
    }
}
