import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// `orchestrate view` and `orchestrate serve` through the release binary on a selection run of
/// generated clips, and the page itself in Debian's Chromium driven by Playwright
/// (`scripts/view-browser.py`).
@Suite("view and serve", .serialized)
struct BrowserViewTests {
    static let repositoryRoot = LabelRoundsTests.repositoryRoot
    static let python = repositoryRoot.appendingPathComponent(".venv/bin/python")
    static let score = "objectness_least_confidence"
    /// Where the page's screenshots are kept for a person to look at.
    static let artifacts = repositoryRoot.appendingPathComponent(".build/test-artifacts/view")

    /// A selection run (6 of 24 frames, two people each) and its export, from the same
    /// hand-written datasource as the label rounds' tests plus a skeleton.
    static func makeRun(in root: URL) async throws {
        try await LabelRoundsTests.makeDatasources(in: root, people: 2)
        let schema = root.appendingPathComponent("ds/lightly/.lightly/predictions/\(LabelRoundsTests.task)/schema.json")
        var text = try String(contentsOf: schema, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"name\": \"person\",", with: "\"name\": \"person\", \"keypoint_skeleton\": [[5, 6], [5, 7], [7, 9], [6, 8], [8, 10], [11, 12], [11, 13], [13, 15], [12, 14], [14, 16]],")
        try Data(text.utf8).write(to: schema)
        try varyPoses(in: root)
        try Data(pipeline().utf8).write(to: root.appendingPathComponent("p.yaml"))
        let result = try await CLI.run(["run", "p.yaml"], in: root)
        try #require(result.status == 0, "orchestrate run: \(result.stderr)")
    }

    /// Gives every person its own pose (the shared datasource repeats one shape, whose pose
    /// embeddings are all equal), so the embedding view spreads the points out.
    static func varyPoses(in root: URL) throws {
        let folder = root.appendingPathComponent("ds/lightly/.lightly/predictions/\(LabelRoundsTests.task)")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name != "schema.json" {
            let url = folder.appendingPathComponent(name)
            var file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            var predictions = try #require(file["predictions"] as? [[String: Any]])
            for (person, var prediction) in predictions.enumerated() {
                var keypoints = try #require(prediction["keypoints"] as? [Double])
                let seed = Double(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) } % 1000 + person * 7)
                for k in stride(from: 0, to: keypoints.count, by: 3) {
                    keypoints[k] += (3 * sin(seed + Double(k))).rounded()
                    keypoints[k + 1] += (3 * cos(seed * 1.7 + Double(k))).rounded()
                }
                prediction["keypoints"] = keypoints
                predictions[person] = prediction
            }
            file["predictions"] = predictions
            try JSONSerialization.data(withJSONObject: file).write(to: url)
        }
    }

    static func pipeline(exportingTag tag: String? = nil) -> String {
        let task = LabelRoundsTests.task
        var text = """
            version: 1
            name: view
            stages:
              schedule:
                uses: schedule
                with:
                  input: ds/input
                  lightly: ds/lightly
                  selection_config:
                    n_samples: 6
                    strategies:
                      - input: {type: EMBEDDINGS, task: \(task)}
                        strategy: {type: DIVERSITY}
                      - input: {type: SCORES, task: \(task), score: \(score)}
                        strategy: {type: WEIGHTS}
              export:
                uses: export
                needs: [schedule]
                with: {input: ds/input, lightly: ds/lightly, task: \(task)}

            """
        if let tag {
            text += """
                  export-tag:
                    uses: export
                    with: {input: ds/input, lightly: ds/lightly, task: \(task), tag: \(tag)}

                """
        }
        return text
    }

    /// The run's `report.json` and `selected_filenames.txt`.
    struct Run {
        var report: [String: Any]
        var selected: [String]
        var frames: [[String: Any]] { report["frames"] as? [[String: Any]] ?? [] }
        /// Frame names in the view's order: by video, then index.
        var ordered: [String] { frames.compactMap { $0["name"] as? String }.sorted() }

        init(lightly: URL) throws {
            let runs = lightly.appendingPathComponent(".lightly/runs")
            let ids = try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasPrefix("run-") }
            let id = try #require(ids.count == 1 ? ids[0] : nil, "one run expected, found \(ids)")
            report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: runs.appendingPathComponent("\(id)/report.json"))) as? [String: Any])
            selected = try String(contentsOf: runs.appendingPathComponent("\(id)/selected_filenames.txt"), encoding: .utf8)
                .split(separator: "\n").map(String.init)
        }
    }

    /// Every file of the view folder with its modification time and bytes.
    static func snapshot(_ folder: URL) throws -> [String: (Date, Data)] {
        var files: [String: (Date, Data)] = [:]
        let enumerator = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.contentModificationDateKey, .isRegularFileKey]))
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let date = try #require(try url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate)
            files[String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))] = (date, try Data(contentsOf: url))
        }
        return files
    }

    /// Every file under `folder` (temporaries too) with its modification time; empty when there is no folder.
    static func modificationTimes(_ folder: URL) -> [String: Date] {
        let paths = (try? FileManager.default.subpathsOfDirectory(atPath: folder.path)) ?? []
        return Dictionary(uniqueKeysWithValues: paths.compactMap { path in
            (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(path).path)[.modificationDate] as? Date)
                .map { (path, $0) }
        })
    }

    static func changed(_ before: [String: (Date, Data)], _ after: [String: (Date, Data)]) -> [String] {
        after.keys.filter { path in before[path].map { old in old.0 != after[path]!.0 } ?? true }.sorted()
    }

    @Test func viewIsWrittenOnceAndAfterwardsOnlyWhereTheRunOrAVideoChanged() async throws {
        let directory = try TemporaryDirectory(prefix: "view")
        defer { directory.remove() }
        let root = directory.url
        try await Self.makeRun(in: root)
        let folder = root.appendingPathComponent(".orchestrate/view")

        let first = try await CLI.run(["view", "p.yaml"], in: root)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.lines == [folder.appendingPathComponent("index.html").path])
        #expect(first.stderr.contains("24 frames, 24 decoded now"), "\(first.stderr)")
        let written = try Self.snapshot(folder)
        #expect(written.keys.filter { $0.hasPrefix("thumbs/") }.count == 24)
        #expect(written.keys.filter { $0.hasPrefix("frames/") }.count == 24)
        #expect(written["data/frames-0000.js"] != nil && written["data/objects-0000.js"] != nil && written["data/embedding.js"] != nil)
        // The full picture is the video's frame size; thumbnails are JPEGs too.
        let picture = try #require(written["frames/a-00-mp4.jpg"]?.1)
        #expect(picture.starts(with: [0xFF, 0xD8]))
        // The clips are narrower than a thumbnail: one JPEG serves as both.
        #expect(written["thumbs/a-00-mp4.jpg"]?.1 == picture)

        try await Task.sleep(for: .milliseconds(20))  // Modification times must be able to differ.
        let second = try await CLI.run(["view", "p.yaml"], in: root)
        #expect(second.status == 0)
        #expect(second.stderr.contains("0 decoded now; 0 files written"), "\(second.stderr)")
        #expect(Self.changed(written, try Self.snapshot(folder)).isEmpty)

        // A ledger state changes the frames shard only (and the memo of what the view was made
        // from): no picture, no other data file.
        let rejected = try #require(Run(lightly: root.appendingPathComponent("ds/lightly")).selected.first)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("ds/lightly/.lightly/labels"), withIntermediateDirectories: true)
        try Data(#"{"version": 1, "frames": {"\#(rejected)": {"round": 1, "run_id": "x", "state": "rejected", "task": "pose", "source": "triage"}}}"#.utf8)
            .write(to: root.appendingPathComponent("ds/lightly/.lightly/labels/ledger.json"))
        let third = try await CLI.run(["view", "p.yaml"], in: root)
        #expect(third.status == 0, "\(third.stderr)")
        let afterLedger = try Self.snapshot(folder)
        #expect(Self.changed(written, afterLedger) == ["data/frames-0000.js", "data/memo.json"])
        #expect(String(decoding: afterLedger["data/frames-0000.js"]!.1, as: UTF8.self).contains("\"rejected\""))

        // A changed video: its 12 frames are decoded again, the other video's are not.
        try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-frames:v", "12", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                                 root.appendingPathComponent("ds/input/b.mp4").path])
        let fourth = try await CLI.run(["view", "p.yaml"], in: root)
        #expect(fourth.stderr.contains("24 frames, 12 decoded now"), "\(fourth.stderr)")
        let afterVideo = try Self.snapshot(folder)
        let pictures = Self.changed(afterLedger, afterVideo).filter { !$0.hasPrefix("data/") }
        #expect(pictures.count == 24 && pictures.allSatisfy { $0.contains("/b-") }, "\(pictures)")
        #expect(afterVideo["thumbs/b-03-mp4.jpg"]!.1 != afterLedger["thumbs/b-03-mp4.jpg"]!.1)
    }

    @Test func viewsKilledAtAnyInstantLeaveNothingTheNextRunTrustsOrKeeps() async throws {
        let directory = try TemporaryDirectory(prefix: "view-kill")
        defer { directory.remove() }
        let root = directory.url
        try await Self.makeRun(in: root)
        let folder = root.appendingPathComponent(".orchestrate/view")
        let uninterrupted = try await CLI.run(["view", "p.yaml"], in: root)
        try #require(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        let reference = try Self.snapshot(folder).mapValues(\.1)
        try FileManager.default.removeItem(at: folder)

        // SIGKILL as soon as the view has written k more files, for growing k, until one finishes;
        // each one starts from what the killed ones left (pictures without an index entry, no
        // memo, temporaries).
        var partial = 0, finished = false
        for written in [1, 4, 12, 24, 40, 60] {
            let before = Self.modificationTimes(folder)
            let view = try CLI.start(["view", "p.yaml"], in: root)
            while view.isRunning, Self.modificationTimes(folder).filter({ before[$0.key] != $0.value }).count < written {
                try await Task.sleep(for: .milliseconds(1))
            }
            view.send(SIGKILL)
            if !(try await view.wait()).signalled { finished = true; break }
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/memo.json").path) == false { partial += 1 }
        }
        #expect(partial > 0, "no kill landed while the view was being written")
        let last = try await CLI.run(["view", "p.yaml"], in: root)
        #expect(last.status == 0, "\(last.stderr)")
        if !finished { #expect(last.stderr.contains("24 frames"), "\(last.stderr)") }
        let after = try Self.snapshot(folder).mapValues(\.1)
        #expect(after.keys.sorted() == reference.keys.sorted())  // no temporary left, nothing missing
        for (path, bytes) in reference { #expect(after[path] == bytes, "\(path) differs from an uninterrupted view's") }
    }

    @Test func viewWithoutASelectionRunOrScheduleStageSaysWhatIsMissing() async throws {
        let directory = try TemporaryDirectory(prefix: "view")
        defer { directory.remove() }
        let root = directory.url
        try await LabelRoundsTests.makeDatasources(in: root)
        try Data(Self.pipeline().utf8).write(to: root.appendingPathComponent("p.yaml"))
        let noRun = try await CLI.run(["view", "p.yaml"], in: root)
        #expect(noRun.status == 1)
        #expect(noRun.stderr.contains("ds/lightly: no selection run yet"), "\(noRun.stderr)")

        try Data("version: 1\nname: x\nstages:\n  e:\n    uses: export\n    with: {input: ds/input, lightly: ds/lightly, task: pose}\n".utf8)
            .write(to: root.appendingPathComponent("q.yaml"))
        let noSchedule = try await CLI.run(["view", "q.yaml"], in: root)
        #expect(noSchedule.status == 2)
        #expect(noSchedule.stderr.contains("q.yaml has no schedule stage"), "\(noSchedule.stderr)")
        let badStage = try await CLI.run(["view", "p.yaml", "--stage", "schedul"], in: root)
        #expect(badStage.status == 2)
        #expect(badStage.stderr.contains("did you mean 'schedule'"), "\(badStage.stderr)")
    }

    /// Runs the browser script with `plan` and returns what it saw.
    static func browse(_ plan: [String: Any]) async throws -> [String: Any] {
        try seen(try await browseOutput(plan))
    }

    static func seen(_ output: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
    }

    /// The browser script's JSON output (bytes: Sendable, so it can leave `stopping`).
    static func browseOutput(_ plan: [String: Any]) async throws -> Data {
        try #require(FileManager.default.isExecutableFile(atPath: python.path), "no .venv: run scripts/setup.sh")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        var plan = plan
        plan["artifacts"] = artifacts.path
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("view-plan-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try JSONSerialization.data(withJSONObject: plan).write(to: file)
        let output = try await ChildProcess.run(python.path, [repositoryRoot.appendingPathComponent("scripts/view-browser.py").path, file.path])
        try #require(output.status == 0, "view-browser.py: \(output.stderrText)")
        return output.stdout
    }

    /// The plan's common checks, with what the run says they must show.
    static func checkGridAndFramePage(_ seen: [String: Any], run: Run, frame: String) throws {
        #expect((seen["errors"] as? [String]) == [], "\(seen["errors"] ?? "")")
        #expect(seen["tiles"] as? Int == 24)
        #expect(seen["counts"] as? String == "Showing 24 of 24 frames · 6 of them picked by this run")
        #expect(seen["tile_objects"] as? Int == 48)
        #expect(seen["selected_counts"] as? String == "Showing 6 of 24 frames · 6 of them picked by this run")
        #expect(seen["selected_tiles"] as? Int == 6)
        #expect((seen["video_counts"] as? String)?.hasPrefix("Showing 12 of 24 frames") == true)
        let (minimum, expected) = try Self.scoreFilter(run)
        #expect(seen["score_tiles"] as? [String] == expected, "min \(minimum)")
        #expect((seen["score_counts"] as? String)?.hasPrefix("Showing \(expected.count) of 24 frames") == true)
        #expect(seen["keyboard_hash"] as? String == "#frame=" + run.ordered[1])

        #expect((seen["deep_link_title"] as? String)?.hasPrefix(frame + " — picked") == true)
        let overlay = try #require(seen["overlay"] as? [String: Any])
        #expect(overlay["frame"] as? String == frame)
        #expect(overlay["objects"] as? Int == 2 && overlay["joints"] as? Int == 34)
        #expect((overlay["painted"] as? Int ?? 0) > 200, "\(overlay)")
        #expect(seen["people_rows"] as? Int == 2)
        #expect((seen["strip"] as? Int ?? 0) >= 5)
        #expect((seen["why"] as? String)?.contains("WEIGHTS on \(score)") == true)
        let index = try #require(run.ordered.firstIndex(of: frame))
        #expect(seen["after_j"] as? String == "#frame=" + run.ordered[index + 1])
    }

    /// A minimum between two of the run's score values, and the frames at or above it.
    static func scoreFilter(_ run: Run) throws -> (Double, [String]) {
        let values = run.frames.compactMap { ($0["scores"] as? [String: Double])?[score] }
        let distinct = Array(Set(values)).sorted()
        try #require(distinct.count >= 2)
        let minimum = (distinct[distinct.count / 2 - 1] + distinct[distinct.count / 2]) / 2
        let names = run.frames.filter { (($0["scores"] as? [String: Double])?[score] ?? -.infinity) >= minimum }.compactMap { $0["name"] as? String }
        return (minimum, names.sorted())
    }

    /// A selected frame that is not the last in the view's order (so `j` has somewhere to go).
    static func pickedFrame(_ run: Run) throws -> String {
        try #require(run.selected.first { $0 != run.ordered.last })
    }

    @Test func theStaticViewWorksFromFileWithoutAServer() async throws {
        let directory = try TemporaryDirectory(prefix: "view")
        defer { directory.remove() }
        let root = directory.url
        try await Self.makeRun(in: root)
        let page = try await CLI.run(["view", "p.yaml"], in: root)
        try #require(page.status == 0, "\(page.stderr)")
        let run = try Run(lightly: root.appendingPathComponent("ds/lightly"))
        let frame = try Self.pickedFrame(run)
        let seen = try await Self.browse([
            "url": URL(fileURLWithPath: try #require(page.lines.first)).absoluteString,
            "score": ["name": Self.score, "min": try Self.scoreFilter(run).0], "frame": frame,
        ])
        try Self.checkGridAndFramePage(seen, run: run, frame: frame)
        let screenshot = try #require(seen["screenshot"] as? String)
        let grey = try await FFmpegCLI.run(["-i", screenshot, "-vf", "scale=320:-1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        #expect(Set(grey).count > 50, "the frame page's screenshot is nearly blank")
    }

    @Test func serveTriageWritesTheLedgerExportWithholdsRejectsAndALassoMakesATag() async throws {
        let directory = try TemporaryDirectory(prefix: "view")
        defer { directory.remove() }
        let root = directory.url
        try await Self.makeRun(in: root)
        let lightly = root.appendingPathComponent("ds/lightly")
        let run = try Run(lightly: lightly)
        let frame = try Self.pickedFrame(run)
        let next = run.ordered[try #require(run.ordered.firstIndex(of: frame)) + 1]
        let (right, lassoed) = try Self.lasso(run)

        let server = try await ServerProcess.start(
            "orchestrate serve", executable: CLI.binary,
            arguments: { ["serve", root.appendingPathComponent("p.yaml").path, "--port", String($0), "--triage"] },
            readyPath: "api/session", timeout: .seconds(60))
        let seen = try Self.seen(try await server.stopping {
            try await Self.browseOutput([
                "url": server.endpoint.absoluteString + "/", "score": ["name": Self.score, "min": try Self.scoreFilter(run).0],
                "frame": frame, "triage": true, "lasso": ["right": right, "tag": "hard-poses"],
            ])
        })
        try Self.checkGridAndFramePage(seen, run: run, frame: frame)
        #expect(seen["after_r"] as? String == "#frame=" + next)

        let ledger = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: lightly.appendingPathComponent(".lightly/labels/ledger.json"))) as? [String: Any])
        let entries = try #require(ledger["frames"] as? [String: [String: Any]])
        #expect(entries.keys.sorted() == [frame, next].sorted())
        #expect(entries[frame]?["state"] as? String == "rejected" && entries[frame]?["source"] as? String == "triage")
        #expect(entries[next]?["state"] as? String == "skipped")

        // The tag holds exactly the lassoed frames.
        #expect((seen["tag_status"] as? String)?.contains("Tag 'hard-poses' stored with \(lassoed.count) frames") == true, "\(seen["tag_status"] ?? "")")
        let runs = lightly.appendingPathComponent(".lightly/runs")
        let tagFolder = try #require(try FileManager.default.contentsOfDirectory(atPath: runs.path).first { $0.hasPrefix("tag-") })
        let tagged = try String(contentsOf: runs.appendingPathComponent("\(tagFolder)/selected_filenames.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(tagged.sorted() == lassoed)

        // Export withholds the rejected frame, and exports the tag (less that frame) by name.
        try Data(Self.pipeline(exportingTag: "hard-poses").utf8).write(to: root.appendingPathComponent("p.yaml"))
        let again = try await CLI.run(["run", "p.yaml"], in: root)
        try #require(again.status == 0, "\(again.stderr)")
        func exported(_ stage: String) throws -> [String] {
            let folder = root.appendingPathComponent(".orchestrate/out/\(stage)/all")
            let list = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("filenames-and-read-urls.json"))) as? [[String: Any]])
            return list.compactMap { $0["fileName"] as? String }.sorted()
        }
        #expect(try exported("export") == run.selected.filter { $0 != frame }.sorted())
        #expect(try exported("export-tag") == lassoed.filter { $0 != frame })
    }

    /// A lasso from the left edge of the embedding canvas to `right` (canvas pixels, between two
    /// points) and the frames with a point left of it, placed as the page places them (800 × 600,
    /// 20 px margin).
    static func lasso(_ run: Run) throws -> (Double, [String]) {
        let embedding = try #require(run.report["embedding"] as? [String: Any])
        let points = try #require(embedding["points"] as? [[String: Any]])
        let xs = points.compactMap { $0["x"] as? Double }
        let minX = try #require(xs.min()), maxX = try #require(xs.max())
        try #require(maxX > minX, "the embedding's points all have x = \(minX)")
        let placed = points.map { (x: 20 + (($0["x"] as? Double ?? 0) - minX) * 760 / (maxX - minX), frame: $0["frame"] as? String ?? "") }
        let sorted = placed.map(\.x).sorted()
        // The widest gap in the middle half, so no point sits on the lasso's edge.
        let middle = (sorted.count / 4)..<(3 * sorted.count / 4)
        let gap = try #require(middle.max { sorted[$0 + 1] - sorted[$0] < sorted[$1 + 1] - sorted[$1] })
        let right = (sorted[gap] + sorted[gap + 1]) / 2
        try #require(right.isFinite, "no lasso edge between the points at \(sorted)")
        return (right, Set(placed.filter { $0.x < right }.map(\.frame)).sorted())
    }

    @Test func serveWithoutTriageIsReadOnly() async throws {
        let directory = try TemporaryDirectory(prefix: "view")
        defer { directory.remove() }
        let root = directory.url
        try await Self.makeRun(in: root)
        let run = try Run(lightly: root.appendingPathComponent("ds/lightly"))
        let server = try await ServerProcess.start(
            "orchestrate serve", executable: CLI.binary,
            arguments: { ["serve", root.appendingPathComponent("p.yaml").path, "--port", String($0)] },
            readyPath: "api/session", timeout: .seconds(60))
        try await server.stopping {
            let (session, _) = try await URLSession.shared.data(from: server.endpoint.appendingPathComponent("api/session"))
            #expect(String(decoding: session, as: UTF8.self).contains("\"triage\":false"))
            var request = URLRequest(url: server.endpoint.appendingPathComponent("api/triage"))
            request.httpMethod = "POST"
            request.httpBody = Data(#"{"frame": "\#(run.selected[0])", "decision": "reject"}"#.utf8)
            let (body, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 403)
            #expect(String(decoding: body, as: UTF8.self).contains("--triage"))
            let (_, outside) = try await URLSession.shared.data(from: URL(string: server.endpoint.absoluteString + "/..%2F..%2Fp.yaml")!)
            #expect((outside as? HTTPURLResponse)?.statusCode == 404)
        }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("ds/lightly/.lightly/labels/ledger.json").path))
    }
}
