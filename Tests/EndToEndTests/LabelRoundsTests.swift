import Foundation
import Testing
import TestSupport

/// Two selection rounds in one pipeline through the release binary: `schedule` (round 1) →
/// `export` → `labels` (a Label Studio JSON export: some frames labelled, one skipped) → a second
/// `schedule` that `needs: [labels]` with `selection_config.round: 2`.
@Suite("labels: rounds in one pipeline")
struct LabelRoundsTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let task = "pose"
    static let videos = ["a.mp4": 12, "b.mp4": 12]

    /// Videos made by ffmpeg and a Lightly datasource with one person per frame, written by hand
    /// (the Lightly format of docs/lightly-format.md).
    static func makeDatasources(in root: URL, people: Int = 1) async throws {
        let input = root.appendingPathComponent("ds/input"), lightly = root.appendingPathComponent("ds/lightly/.lightly")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: lightly.appendingPathComponent("predictions/\(task)"), withIntermediateDirectories: true)
        for (video, frames) in videos {
            try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-frames:v", "\(frames)",
                                     "-c:v", "libx264", "-pix_fmt", "yuv420p", input.appendingPathComponent(video).path])
        }
        let names = #"["nose","left_eye","right_eye","left_ear","right_ear","left_shoulder","right_shoulder","left_elbow","right_elbow","left_wrist","right_wrist","left_hip","right_hip","left_knee","right_knee","left_ankle","right_ankle"]"#
        try Data(#"["\#(task)"]"#.utf8).write(to: lightly.appendingPathComponent("predictions/tasks.json"))
        try Data(#"{"task_type": "keypoint-detection", "categories": [{"id": 1, "name": "person", "keypoint_names": \#(names)}]}"#.utf8)
            .write(to: lightly.appendingPathComponent("predictions/\(task)/schema.json"))
        for (video, frames) in videos {
            for index in 0..<frames {
                let name = "\(video.dropLast(4))-\(String(format: "%02d", index))-mp4"
                let predictions = (0..<people).map { (person: Int) -> String in
                    let x = Double(5 + (index * 7 + person * 41) % 70), y = Double(3 + (index * 5) % 30)
                    var keypoints: [Double] = []
                    for k in 0..<17 {
                        let visibility: Double = k % 3 == 0 ? 0.3 : 0.9
                        keypoints += [x + Double(k % 4) * 2, y + Double(k / 4) * 3, visibility]
                    }
                    let score = 0.3 + Double((index + person) % 5) / 10
                    return #"{"category_id": 1, "score": \#(score), "bbox": [\#(x - 1), \#(y - 1), 10, 16], "keypoints": \#(keypoints)}"#
                }
                let json = #"{"file_name": "\#(name).png", "predictions": [\#(predictions.joined(separator: ", "))]}"#
                try Data(json.utf8).write(to: lightly.appendingPathComponent("predictions/\(task)/\(name).json"))
            }
        }
    }

    static func pipeline(withLabels: Bool) -> String {
        let selection = """
                    strategies:
                      - input: {type: EMBEDDINGS, task: \(task)}
                        strategy: {type: DIVERSITY}
            """
        var text = """
            version: 1
            name: rounds
            stages:
              schedule:
                uses: schedule
                with:
                  input: ds/input
                  lightly: ds/lightly
                  selection_config:
                    n_samples: 6
            \(selection)
              export:
                uses: export
                needs: [schedule]
                with: {input: ds/input, lightly: ds/lightly, task: \(task)}

            """
        if withLabels {
            text += """
                  labels:
                    uses: labels
                    needs: [export]
                    with: {input: ds/input, lightly: ds/lightly, task: \(task), source: project-1.json}
                  schedule2:
                    uses: schedule
                    needs: [labels]
                    with:
                      input: ds/input
                      lightly: ds/lightly
                      selection_config:
                        round: 2
                        n_samples: 100
                """
            text += "\n" + selection + "\n"
        }
        return text
    }

    @Test func theSecondRoundSelectsNoLabelledFrameAndTheUnlabelledOnesAgain() async throws {
        let directory = try TemporaryDirectory(prefix: "label-rounds")
        defer { directory.remove() }
        let root = directory.url
        try await Self.makeDatasources(in: root)
        try Data(Self.pipeline(withLabels: false).utf8).write(to: root.appendingPathComponent("p.yaml"))
        let first = try await CLI.run(["run", "p.yaml"], in: root)
        try #require(first.status == 0, "\(first.stderr)")

        // The annotator: the first four tasks labelled as pre-annotated (one person moved), the fifth skipped, the sixth untouched.
        let exportFolder = try #require(try await Self.outputFolder("export", in: root))
        let tasksData = try Data(contentsOf: exportFolder.appendingPathComponent("label-studio-tasks.json"))
        var tasks = try #require(try JSONSerialization.jsonObject(with: tasksData) as? [[String: Any]])
        #expect(tasks.count == 6)
        var labelled: [String] = [], skipped = "", untouched = ""
        for index in tasks.indices {
            let data = try #require(tasks[index]["data"] as? [String: Any])
            let name = try #require(data["lightlyFileName"] as? String)
            let prediction = try #require((tasks[index]["predictions"] as? [[String: Any]])?.first)
            switch index {
            case 0..<4:
                tasks[index]["annotations"] = [["id": index + 1, "completed_by": 1, "was_cancelled": false, "result": prediction["result"] ?? []]]
                labelled.append(name)
            case 4:
                tasks[index]["annotations"] = [["id": 5, "completed_by": 1, "was_cancelled": true, "result": []]]
                skipped = name
            default:
                untouched = name
            }
        }
        try JSONSerialization.data(withJSONObject: tasks).write(to: root.appendingPathComponent("project-1.json"))
        try Data(Self.pipeline(withLabels: true).utf8).write(to: root.appendingPathComponent("p.yaml"))
        let second = try await CLI.run(["run", "p.yaml"], in: root)
        try #require(second.status == 0, "\(second.stderr)")

        let round2 = try #require(try await Self.outputFolder("schedule2", in: root))
        let selected = try String(contentsOf: round2.appendingPathComponent("selected_filenames.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(Set(selected).isDisjoint(with: labelled), "no labelled frame is selected again: \(selected)")
        #expect(selected.contains(skipped) && selected.contains(untouched), "the unlabelled frames of round 1 are candidates again: \(selected)")
        #expect(selected.count == 24 - labelled.count)

        let rounds = try await CLI.run(["rounds", "p.yaml"], in: root)
        #expect(rounds.status == 0, "\(rounds.stderr)")
        #expect(rounds.lines.contains("round  selected  exported  labelled  skipped  rejected  pending"), "\(rounds.stdout)")
        #expect(rounds.lines.contains("    1         6         6         4        1         0        2"), "\(rounds.stdout)")
        #expect(rounds.lines.contains("    2        20         0         0        0         0       20"), "\(rounds.stdout)")

        // Run again: nothing changed, nothing runs (round 1 does not read the labels).
        let third = try await CLI.run(["run", "p.yaml"], in: root)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(try await Self.outputFolder("schedule", in: root) != nil)
        let ledger = try Data(contentsOf: root.appendingPathComponent("ds/lightly/.lightly/labels/ledger.json"))
        let again = try await CLI.run(["run", "p.yaml"], in: root)
        #expect(again.status == 0)
        #expect(try Data(contentsOf: root.appendingPathComponent("ds/lightly/.lightly/labels/ledger.json")) == ledger)
        let runs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("ds/lightly/.lightly/runs").path)
        #expect(runs.count == 2, "one run per round, none re-made: \(runs)")
    }

    /// The one item folder of a gather stage (`orchestrate outputs`).
    static func outputFolder(_ stage: String, in root: URL) async throws -> URL? {
        let result = try await CLI.run(["outputs", "p.yaml", stage], in: root)
        guard result.status == 0, let line = result.lines.first else { return nil }
        let base = root.appendingPathComponent(".orchestrate/out/\(stage)").standardizedFileURL.path + "/"
        let path = URL(fileURLWithPath: line).standardizedFileURL.path
        guard path.hasPrefix(base), let key = path.dropFirst(base.count).split(separator: "/").first else { return nil }
        return URL(fileURLWithPath: base + key)
    }
}

/// The round trip through a real Label Studio server (`.venv-labelstudio`, scripts/setup.sh):
/// export's config and tasks into a project, an annotator's changes through its API
/// (scripts/labelstudio-session.py), its JSON and COCO exports back through `labels`.
@Suite("labels: a real Label Studio server")
struct LabelStudioServerTests {
    static let python = LabelRoundsTests.repositoryRoot.appendingPathComponent(".venv-labelstudio/bin/python")

    @Test func theJSONExportImportsExactlyAndTheCOCOExportsLossIsReportedByFrame() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python.path), "run scripts/setup.sh: .venv-labelstudio")
        let directory = try TemporaryDirectory(prefix: "label-studio")
        defer { directory.remove() }
        let root = directory.url
        try await LabelRoundsTests.makeDatasources(in: root, people: 2)
        try Data(LabelRoundsTests.pipeline(withLabels: false).utf8).write(to: root.appendingPathComponent("p.yaml"))
        let first = try await CLI.run(["run", "p.yaml"], in: root)
        try #require(first.status == 0, "\(first.stderr)")
        let export = try #require(try await LabelRoundsTests.outputFolder("export", in: root))

        let session = root.appendingPathComponent("session")
        try FileManager.default.createDirectory(at: session, withIntermediateDirectories: true)
        let port = try await FreePort.find()
        let output = try await ChildProcess.run(Self.python.path, [
            LabelRoundsTests.repositoryRoot.appendingPathComponent("scripts/labelstudio-session.py").path,
            export.appendingPathComponent("label-studio-tasks.json").path, export.appendingPathComponent("label-studio-config.xml").path,
            session.path, String(port), root.appendingPathComponent("ls-data").path,
        ])
        let serverLog = (try? String(contentsOf: session.appendingPathComponent("labelstudio.log"), encoding: .utf8)) ?? ""
        try #require(output.status == 0, "\(output.stderrText)\n\(serverLog.suffix(3000))")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: session.appendingPathComponent("expected.json"))) as? [String: Any])
        let labelled = try #require(expected["labelled"] as? [String: [[String: Any]]])
        let skipped = try #require(expected["skipped"] as? [String])
        #expect(labelled.count == 3 && skipped.count == 1)

        // The JSON export: every joint where the annotation put it.
        try Data((LabelRoundsTests.pipeline(withLabels: false) + """
              labels:
                uses: labels
                needs: [export]
                with: {input: ds/input, lightly: ds/lightly, task: \(LabelRoundsTests.task), source: session/labelstudio-export.json}

            """).utf8).write(to: root.appendingPathComponent("p.yaml"))
        let imported = try await CLI.run(["run", "p.yaml"], in: root)
        try #require(imported.status == 0, "\(imported.stderr)")
        let names = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
                     "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
        let labels = root.appendingPathComponent("ds/lightly/.lightly/labels/\(LabelRoundsTests.task)")
        for (frame, people) in labelled {
            let file = labels.appendingPathComponent("frames/\(frame.dropLast(4)).json")
            let predictions = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])?["predictions"] as? [[String: Any]])
            #expect(predictions.count == people.count, "\(frame): the deleted person is gone, the added one there")
            for person in people {
                let box = try #require(person["box"] as? [Double])
                let match = predictions.first { prediction in
                    let bbox = prediction["bbox"] as? [Double] ?? []
                    return bbox.count == 4 && abs(bbox[0] - box[0]) < 0.01 && abs(bbox[1] - box[1]) < 0.01
                }
                let keypoints = try #require(match?["keypoints"] as? [Double], "\(frame): a person at \(box)")
                let joints = try #require(person["joints"] as? [String: [Double]])
                for (index, name) in names.enumerated() {
                    if let point = joints[name] {
                        #expect(abs(keypoints[3 * index] - point[0]) < 0.01 && abs(keypoints[3 * index + 1] - point[1]) < 0.01 && keypoints[3 * index + 2] == 2,
                                "\(frame) \(name): \(keypoints[3 * index..<3 * index + 3]) vs \(point)")
                    } else {
                        #expect(keypoints[3 * index + 2] == 0, "\(frame) \(name) was never placed")
                    }
                }
            }
        }
        let ledger = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("ds/lightly/.lightly/labels/ledger.json"))) as? [String: Any])
        let frames = try #require(ledger["frames"] as? [String: [String: Any]])
        #expect(frames[skipped[0]]?["state"] as? String == "skipped")
        let rounds = try await CLI.run(["rounds", "p.yaml"], in: root)
        #expect(rounds.lines.contains("    1         6         6         3        1         0        3"), "skipped and untouched are pending: \(rounds.stdout)")

        // The COCO export of the same project: recognised, and the frames that lost people's keypoints named.
        let ledgerBefore = try Data(contentsOf: root.appendingPathComponent("ds/lightly/.lightly/labels/ledger.json"))
        try Data("""
            version: 1
            name: coco
            workdir: .orchestrate-coco
            stages:
              coco:
                uses: labels
                with: {input: ds/input, lightly: ds/lightly, task: \(LabelRoundsTests.task), source: session/labelstudio-coco.json}

            """.utf8).write(to: root.appendingPathComponent("coco.yaml"))
        let coco = try await CLI.run(["run", "coco.yaml"], in: root)
        #expect(coco.status != 0)
        let lossy = labelled.filter { $0.value.count > 1 }.keys.sorted()
        #expect(!lossy.isEmpty)
        for frame in labelled.keys.sorted() {
            let line = coco.stderr.split(separator: "\n").first { $0.contains("__\(frame)'") && $0.contains("lost keypoints") }
            #expect((line != nil) == lossy.contains(frame), "\(frame): \(coco.stderr)")
        }
        #expect(try Data(contentsOf: root.appendingPathComponent("ds/lightly/.lightly/labels/ledger.json")) == ledgerBefore, "nothing written")
    }
}
