import Foundation
import Testing
import TestSupport

/// The datasources tell the truth (issue 22, deliverables 1–3), through the built binary with a
/// real model, FFmpeg, local folders and S3 (moto): stages below `upload` take its datasources and
/// `convert`'s task; a pipeline whose stages disagree is refused before anything runs; after an
/// upstream change the datasource holds exactly the current outputs, so the selection equals a
/// fresh run's, and another pipeline's files in the same datasource are untouched; an upload
/// killed while it removes stale objects converges on the next run.
@Suite(.serialized, .motoServer) struct DatasourceTruthTests {
    /// A tiny random Keypoint R-CNN, two short clips for the pipeline and one for another pipeline.
    static let assets = Task { () async throws -> Assets in
        let directory = try TemporaryDirectory(prefix: "truth-assets")
        let model = directory.url.appendingPathComponent("model.pt")
        try await DebianPython.exportTinyKeypointModel(to: model)
        var clips: [String: URL] = [:]
        for (name, seconds, pattern) in [("court-a.mp4", "1.2", "testsrc"), ("court-b.mp4", "0.8", "testsrc2"), ("other.mp4", "1.0", "smptebars")] {
            let clip = directory.url.appendingPathComponent(name)
            try await FFmpegCLI.run(["-f", "lavfi", "-i", "\(pattern)=size=96x64:rate=10", "-t", seconds, "-pix_fmt", "yuv420p", clip.path])
            clips[name] = clip
        }
        return Assets(directory: directory, model: model, clips: clips)
    }

    struct Assets: Sendable {
        let directory: TemporaryDirectory
        let model: URL
        let clips: [String: URL]
    }

    // MARK: - Deliverable 1: datasources and task flow along needs

    @Test func exportWithoutDatasourceParametersExportsTheScheduleRunOfALocalFolder() async throws {
        let folder = try TemporaryDirectory(prefix: "truth-folder")
        defer { folder.remove() }
        let lightly = folder.url.appendingPathComponent("lightly").path
        let workspace = try await Self.workspace(clips: ["court-a.mp4", "court-b.mp4"])
        defer { workspace.remove() }
        let root = workspace.url
        try Self.write(Self.pipeline(every: 2, input: "\(folder.url.path)/input", lightly: lightly), to: root, as: "p.yaml")

        let run = try await CLI.run(["run", "p.yaml"], in: root)
        try #require(run.status == 0, "orchestrate run: \(run.stderr)")
        try Self.expectExportMatchesSchedule(root: root, lightlyPrefix: "file://" + lightly + "/")
        // The default datasource beside the pipeline was never used.
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("datasource").path))
    }

    @Test func exportWithoutDatasourceParametersExportsTheScheduleRunOfS3() async throws {
        let server = try MotoServerTrait.server()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        try await DatasourceUploadTests.boto3(server, "for b in sys.argv[1:]: s3.create_bucket(Bucket=b)", ["in-\(suffix)", "ls-\(suffix)"])
        let workspace = try await Self.workspace(clips: ["court-a.mp4", "court-b.mp4"])
        defer { workspace.remove() }
        let root = workspace.url
        // The endpoint is given to upload only; schedule and export take it from there.
        var environment = server.environment
        environment["AWS_ENDPOINT_URL"] = nil
        try Self.write(Self.pipeline(
            every: 2, input: "s3://in-\(suffix)/videos", lightly: "s3://ls-\(suffix)/lightly",
            uploadExtra: ", endpoint: \"\(server.endpoint.absoluteString)\""), to: root, as: "p.yaml")

        let run = try await CLI.run(["run", "p.yaml"], in: root, environment: environment)
        try #require(run.status == 0, "orchestrate run: \(run.stderr)")
        try Self.expectExportMatchesSchedule(root: root, lightlyPrefix: "s3://ls-\(suffix)/lightly/")
        let report = try Self.json(root.appendingPathComponent(".orchestrate/out/schedule/all/report.json"))
        let runInfo = try #require(report["run"] as? [String: Any])
        #expect(runInfo["lightly_datasource"] as? String == "s3://ls-\(suffix)/lightly")
        #expect(runInfo["input_datasource"] as? String == "s3://in-\(suffix)/videos")
        #expect(runInfo["tasks"] as? [String] == ["keypoint_rcnn_detection"])
    }

    @Test func validateRefusesStagesThatDisagreeAlongNeedsAtTheirLine() async throws {
        let root = try TemporaryDirectory(prefix: "truth-validate")
        defer { root.remove() }
        try FileManager.default.createDirectory(at: root.url.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Data().write(to: root.url.appendingPathComponent("data/a.mp4"))
        try Data().write(to: root.url.appendingPathComponent("model.pt"))
        let body = { (convertTask: String, scheduleLightly: String, exportWith: String, strategyTask: String) in
            """
            version: 1
            name: disagree
            stages:
              decode: {uses: decode, foreach: "data/*.mp4"}
              detect: {uses: detect, needs: [decode], with: {model: model.pt}}
              convert: {uses: convert, needs: [detect], with: {task: \(convertTask)}}
              upload: {uses: upload, needs: [convert], with: {input: datasources/input, lightly: datasources/lightly}}
              schedule:
                uses: schedule
                needs: [upload]
                with:
                  lightly: \(scheduleLightly)
                  selection_config:
                    n_samples: 2
                    strategies: [{input: {type: SCORES, task: \(strategyTask), score: object_frequency}, strategy: {type: WEIGHTS}}]
              export: {uses: export, needs: [schedule], with: {\(exportWith)}}
            """
        }
        // Agreeing: the same folder written another way, the task inherited; export names nothing.
        try Self.write(body("kp", "./datasources/lightly/", "", "kp"), to: root.url, as: "good.yaml")
        let good = try await CLI.run(["validate", "good.yaml"], in: root.url)
        #expect(good.status == 0, "\(good.stderr)")
        let absolute = root.url.appendingPathComponent("datasources/lightly").standardizedFileURL.path
        try Self.write(body("kp", "file://\(absolute)", "task: kp", "kp"), to: root.url, as: "absolute.yaml")
        let same = try await CLI.run(["validate", "absolute.yaml"], in: root.url)
        #expect(same.status == 0, "\(same.stderr)")

        // Disagreeing: another Lightly folder on schedule, another task on export, a misspelt strategy task.
        try Self.write(body("kp", "datasources/elsewhere", "task: keypoint_rcnn_detection, input: datasources/input", "kpp"),
                       to: root.url, as: "bad.yaml")
        let bad = try await CLI.run(["validate", "bad.yaml"], in: root.url)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains(
            "bad.yaml:12:16: error: parameter 'lightly' of stage 'schedule' is 'datasources/elsewhere', but upstream stage 'upload' uses 'datasources/lightly' (set at bad.yaml:7:86)"),
            "\(bad.stderr)")
        #expect(bad.stderr.contains(
            "bad.yaml:16:58: error: parameter 'task' of stage 'export' is 'keypoint_rcnn_detection', but upstream stage 'convert' uses 'kp' (set at bad.yaml:6:58)"),
            "\(bad.stderr)")
        #expect(bad.stderr.contains("bad.yaml:15:51: error: selection_config.strategies[0].input.task: unknown task 'kpp'"), "\(bad.stderr)")
        #expect(bad.stderr.contains("(did you mean 'kp'?)"), "\(bad.stderr)")
        // The export's input agrees with upload's (given twice, the same): no error for it.
        #expect(!bad.stderr.contains("parameter 'input'"), "\(bad.stderr)")
        // And `run` refuses it before anything runs.
        let run = try await CLI.run(["run", "bad.yaml"], in: root.url)
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.yaml:12:16: error: parameter 'lightly'"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root.url.appendingPathComponent(".orchestrate/out").path))
    }

    // MARK: - Deliverable 2: the selection sees what the pipeline produced

    /// Pipeline `other` shares both datasources; `every: 2` → `every: 4` must leave the datasources
    /// as a fresh run of `other` and `every: 4` leaves fresh ones: same run id, same selection bytes,
    /// `other`'s objects untouched.
    @Test func everyTwoThenFourSelectsWhatAFreshRunSelects() async throws {
        let workspace = try await Self.workspace(clips: ["court-a.mp4", "court-b.mp4"], other: ["other.mp4"])
        defer { workspace.remove() }
        let root = workspace.url
        try Self.write(Self.otherPipeline(), to: root, as: "other.yaml")
        let other = try await CLI.run(["run", "other.yaml"], in: root)
        try #require(other.status == 0, "orchestrate run other.yaml: \(other.stderr)")
        let lightly = root.appendingPathComponent("datasources/lightly")
        let input = root.appendingPathComponent("datasources/input")
        let othersObjects = try Self.files(under: lightly).merging(try Self.files(under: input)) { $1 }
            .filter { $0.key.contains("other-") || $0.key.hasPrefix("other.mp4") || $0.key.contains("uploads/other/") }
        // other.mp4, the predictions of its frames 0, 3, 6 and 9, and its two records.
        #expect(othersObjects.count == 7, "\(othersObjects.keys.sorted())")

        try Self.write(Self.pipeline(every: 2), to: root, as: "p.yaml")
        let first = try await CLI.run(["run", "p.yaml"], in: root)
        try #require(first.status == 0, "every: 2: \(first.stderr)")
        let everyTwo = try Self.predictionFrames(in: lightly, video: "court-a")
        try Self.write(Self.pipeline(every: 4), to: root, as: "p.yaml")
        let second = try await CLI.run(["run", "p.yaml"], in: root)
        try #require(second.status == 0, "every: 4: \(second.stderr)")
        #expect(second.stderr.contains("removed (written earlier, no longer produced)") || second.stdout.contains("removed"))
        let everyFour = try Self.predictionFrames(in: lightly, video: "court-a")
        #expect(everyFour.count < everyTwo.count && everyFour.isSubset(of: everyTwo), "\(everyTwo.sorted()) → \(everyFour.sorted())")

        // A fresh datasource elsewhere: `other` first, then `every: 4` straight away.
        let freshWorkspace = try await Self.workspace(clips: ["court-a.mp4", "court-b.mp4"], other: ["other.mp4"])
        defer { freshWorkspace.remove() }
        let fresh = freshWorkspace.url
        try Self.write(Self.otherPipeline(), to: fresh, as: "other.yaml")
        try #require(try await CLI.run(["run", "other.yaml"], in: fresh).status == 0)
        try Self.write(Self.pipeline(every: 4), to: fresh, as: "p.yaml")
        let freshRun = try await CLI.run(["run", "p.yaml"], in: fresh)
        try #require(freshRun.status == 0, "fresh every: 4: \(freshRun.stderr)")

        // The datasources hold the same objects, byte for byte, outside the run folders.
        func content(_ root: URL) throws -> [String: String] {
            try Self.files(under: root.appendingPathComponent("datasources/lightly")).filter { !$0.key.hasPrefix(".lightly/runs/") }
                .merging(try Self.files(under: root.appendingPathComponent("datasources/input")).mapKeys { "input/" + $0 }) { $1 }
        }
        #expect(try content(root) == content(fresh))
        let selection = ".orchestrate/out/schedule/all/selected_filenames.txt"
        let selected = try Data(contentsOf: root.appendingPathComponent(selection))
        #expect(!selected.isEmpty)
        #expect(selected == (try Data(contentsOf: fresh.appendingPathComponent(selection))))
        let runID = { (root: URL) throws -> String? in
            (try Self.json(root.appendingPathComponent(".orchestrate/out/schedule/all/report.json"))["run"] as? [String: Any])?["run_id"] as? String
        }
        #expect(try runID(root) != nil && runID(root) == runID(fresh))

        // `other`'s objects and record are untouched.
        let after = try Self.files(under: lightly).merging(try Self.files(under: input)) { $1 }
        for (key, digest) in othersObjects { #expect(after[key] == digest, "\(key) of pipeline other changed or vanished") }
    }

    /// 400 prediction files, then every tenth: the run is killed as soon as the first stale file
    /// is gone (removal goes in key order), then runs again, and the datasource ends as a fresh
    /// run leaves it. The files come from an `exec` stage: the removal is what is tested, and it
    /// needs many files fast.
    @Test func uploadKilledWhileRemovingConverges() async throws {
        let workspace = try TemporaryDirectory(prefix: "truth-kill")
        defer { workspace.remove() }
        let root = workspace.url
        let folder = root.appendingPathComponent("datasources/lightly/.lightly/predictions/t")
        let all = (0..<400).map { String(format: "f-%04d.json", $0) }
        let kept = Set(stride(from: 0, to: 400, by: 10).map { all[$0] })
        let stale = all.filter { !kept.contains($0) }
        var landedMidway = false
        for attempt in 1...3 where !landedMidway {
            try Self.write(Self.filesPipeline(every: 1), to: root, as: "p.yaml")
            let full = try await CLI.run(["run", "p.yaml"], in: root)
            try #require(full.status == 0, "every: 1 (attempt \(attempt)): \(full.stderr)")
            try #require(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == Set(all))

            try Self.write(Self.filesPipeline(every: 10), to: root, as: "p.yaml")
            let started = try CLI.start(["run", "p.yaml"], in: root)
            let first = folder.appendingPathComponent(stale[0]).path
            let deadline = Date().addingTimeInterval(120)
            while FileManager.default.fileExists(atPath: first), Date() < deadline { usleep(100) }
            started.send(SIGKILL)
            _ = try await CLI.finish(started)
            landedMidway = !FileManager.default.fileExists(atPath: first)
                && FileManager.default.fileExists(atPath: folder.appendingPathComponent(stale[stale.count - 1]).path)

            let again = try await CLI.run(["run", "p.yaml"], in: root)
            try #require(again.status == 0, "after the kill (attempt \(attempt)): \(again.stderr)")
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == kept, "attempt \(attempt)")
            let record = try Self.json(root.appendingPathComponent("datasources/lightly/.orchestrate/uploads/truth/upload.lightly.json"))
            #expect(Set(record["keys"] as? [String] ?? []) == Set(kept.map { ".lightly/predictions/t/" + $0 }), "attempt \(attempt)")
        }
        #expect(landedMidway, "no kill landed while stale files were being removed")
    }

    // MARK: - Fixture

    /// `p.yaml`: decode → detect → convert → metadata → upload → schedule → export, datasources
    /// named on upload only.
    static func pipeline(
        every: Int, input: String = "datasources/input", lightly: String = "datasources/lightly", uploadExtra: String = "",
        schedule: Bool = true
    ) -> String {
        var text = """
            version: 1
            name: truth
            stages:
              decode: {uses: decode, foreach: "data/*.mp4", with: {every: \(every)}}
              detect: {uses: detect, needs: [decode], with: {model: model.pt, batch_size: 4, threads: 1}}
              convert: {uses: convert, needs: [detect]}
              metadata: {uses: metadata, needs: [decode]}
              upload: {uses: upload, needs: [convert, metadata], with: {input: "\(input)", lightly: "\(lightly)"\(uploadExtra)}}

            """
        if schedule {
            text += """
                  schedule:
                    uses: schedule
                    needs: [upload]
                    with:
                      selection_config:
                        n_samples: 6
                        strategies: [{input: {type: RANDOM}, strategy: {type: WEIGHTS}}]
                  export: {uses: export, needs: [schedule]}

                """
        }
        return text
    }

    /// `p.yaml` whose `files` stage writes `.lightly/predictions/t/f-NNNN.json` for every
    /// `every`-th N below 400, for `upload`.
    static func filesPipeline(every: Int) -> String {
        """
        version: 1
        name: truth
        stages:
          files:
            uses: exec
            with:
              argv: [sh, -c, 'd="$0/.lightly/predictions/t"; mkdir -p "$d"; i=0; while [ $i -lt 400 ]; do printf "{\\"i\\": %d}" $i > "$d/$(printf f-%04d.json $i)"; i=$((i + $1)); done', "${out}", "\(every)"]
          upload: {uses: upload, needs: [files], with: {input: datasources/input, lightly: datasources/lightly}}
        """
    }

    /// `other.yaml`: another pipeline, its own workdir and clip, the same two datasources.
    static func otherPipeline() -> String {
        """
        version: 1
        name: other
        workdir: .orchestrate-other
        stages:
          decode: {uses: decode, foreach: "others/*.mp4", with: {every: 3}}
          detect: {uses: detect, needs: [decode], with: {model: model.pt, batch_size: 4, threads: 1}}
          convert: {uses: convert, needs: [detect]}
          upload: {uses: upload, needs: [convert], with: {input: datasources/input, lightly: datasources/lightly}}
        """
    }

    /// A folder with the model, `data/` holding `clips` and `others/` holding `other`.
    static func workspace(clips: [String], other: [String] = []) async throws -> TemporaryDirectory {
        let assets = try await assets.value
        let directory = try TemporaryDirectory(prefix: "truth")
        let root = directory.url
        try FileManager.default.copyItem(at: assets.model, to: root.appendingPathComponent("model.pt"))
        for (folder, names) in [("data", clips), ("others", other)] where !names.isEmpty {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            for name in names {
                let clip = try #require(assets.clips[name])
                try FileManager.default.copyItem(at: clip, to: root.appendingPathComponent("\(folder)/\(name)"))
            }
        }
        return directory
    }

    static func write(_ text: String, to root: URL, as name: String) throws {
        try Data(text.utf8).write(to: root.appendingPathComponent(name))
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The export's `filenames-and-read-urls.json` names exactly the schedule's selection, in the
    /// schedule's Lightly datasource.
    static func expectExportMatchesSchedule(root: URL, lightlyPrefix: String) throws {
        let out = root.appendingPathComponent(".orchestrate/out")
        let selected = try String(contentsOf: out.appendingPathComponent("schedule/all/selected_filenames.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        try #require(!selected.isEmpty)
        let data = try Data(contentsOf: out.appendingPathComponent("export/all/filenames-and-read-urls.json"))
        let exported = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(Set(exported.compactMap { $0["fileName"] as? String }) == Set(selected))
        for entry in exported {
            let url = entry["datasourceUrl"] as? String ?? ""
            #expect(url.hasPrefix(lightlyPrefix + ".lightly/runs/run-"), "\(url) is not in \(lightlyPrefix)")
        }
    }

    /// Every regular file under `root` (hidden folders included): relative path → SHA-256.
    static func files(under root: URL) throws -> [String: String] {
        var files: [String: String] = [:]
        guard let paths = FileManager.default.subpaths(atPath: root.path) else { return [:] }
        for path in paths {
            var isDirectory: ObjCBool = false
            let url = root.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[path] = sha256(try Data(contentsOf: url))
        }
        return files
    }

    /// The prediction files of one video in the Lightly datasource, by file name.
    static func predictionFrames(in lightly: URL, video: String) throws -> Set<String> {
        let folder = lightly.appendingPathComponent(".lightly/predictions/keypoint_rcnn_detection")
        return Set(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(video + "-") })
    }
}

private extension Dictionary where Key == String {
    func mapKeys(_ transform: (String) -> String) -> [String: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
