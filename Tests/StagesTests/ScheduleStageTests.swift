import Foundation
import Lightly
import PluginAPI
import Stages
import Testing
import TestSupport

@Suite("schedule stage")
struct ScheduleStageTests {
    static let videos = ["rally-a.mp4": 40, "rally-b.mp4": 52, "serve.mp4": 64, "block.mp4": 76, "timeout.mp4": 88]

    @Test("the tutorial's config selects 20 ± 1 frames per video with more objects and lower confidence; re-runs build on the datapool")
    func tutorialSelection() async throws {
        let fixture = try await ScheduleFixture(videos: Self.videos)
        defer { fixture.directory.remove() }
        let (run, context) = try await fixture.run("first", parameters: ["selection_config": fixture.tutorialConfig()])

        let selected = try fixture.lines(run.appendingPathComponent("selected_filenames.txt"))
        #expect(selected.count == 100)
        var perVideo: [String: Int] = [:]
        for name in selected {
            let parsed = try #require(ParsedFrameName(name))
            let frameCount = try #require(Self.videos[parsed.videoPath])
            #expect(FrameName(videoPath: parsed.videoPath, index: parsed.index, frameCount: frameCount).description == name)
            perVideo[parsed.videoPath, default: 0] += 1
        }
        for video in Self.videos.keys { #expect((19...21).contains(perVideo[video] ?? 0), "\(video): \(perVideo[video] ?? 0)") }

        // Selected frames have more objects and lower confidence than the input, as in the tutorial's report.
        let input = fixture.frameStats
        func meanObjects(_ names: some Sequence<String>) -> Double {
            let counts = names.map { Double(input[$0]?.objects ?? 0) }
            return counts.reduce(0, +) / Double(counts.count)
        }
        func meanConfidence(_ names: some Sequence<String>) -> Double {
            let scores = names.compactMap { input[$0]?.meanScore }.filter { !$0.isNaN }
            return scores.reduce(0, +) / Double(scores.count)
        }
        let inputObjects = meanObjects(input.keys), selectedObjects = meanObjects(selected)
        let inputConfidence = meanConfidence(input.keys), selectedConfidence = meanConfidence(selected)
        #expect(selectedObjects > inputObjects + 0.5, "objects per frame: input \(inputObjects), selected \(selectedObjects)")
        #expect(selectedConfidence < inputConfidence, "mean confidence: input \(inputConfidence), selected \(selectedConfidence)")

        // frames/<name> is exactly frame N (compared with the ffmpeg CLI's frame N and its neighbours).
        for name in selected.prefix(4) {
            let parsed = try #require(ParsedFrameName(name))
            let mine = try await fixture.rgb(ofPNG: run.appendingPathComponent("frames/\(name)"))
            let exact = meanAbsoluteDifference(mine, try await fixture.ffmpegFrame(parsed.videoPath, parsed.index))
            let neighbour = meanAbsoluteDifference(
                mine, try await fixture.ffmpegFrame(parsed.videoPath, parsed.index > 0 ? parsed.index - 1 : parsed.index + 1))
            #expect(exact < 1.5, "\(name): difference to ffmpeg's frame \(parsed.index) is \(exact)")
            #expect(neighbour > exact, "\(name): a neighbouring frame matches as well (\(neighbour) vs \(exact))")
        }

        // The other run files.
        for file in ["scores.csv", "embeddings.csv", "report.json", "report.html", "report.pdf", "log.txt"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), "\(file) is missing")
        }
        let crops = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("crops").path)
        #expect(crops.count > 100)
        let scores = try fixture.lines(run.appendingPathComponent("scores.csv"))
        #expect(scores.count == 1 + input.count)
        #expect(scores[0].hasPrefix("filenames,pick,strategy_0_EMBEDDINGS_DIVERSITY,"))
        #expect(scores[0].contains("pose:objectness_least_confidence"))
        #expect(scores[0].contains("pose:temporal_inconsistency") && scores[0].contains("pose:pose_implausibility"))
        let embeddings = try fixture.lines(run.appendingPathComponent("embeddings.csv"))
        #expect(try EmbeddingsCSV.read(embeddings.joined(separator: "\n")).count == scores.count - 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("report.json"))) as? [String: Any])
        let runInfo = try #require(report["run"] as? [String: Any])
        #expect(runInfo["tag"] as? String == "initial-tag")
        let runID = try #require(runInfo["run_id"] as? String)

        // The run folder in the Lightly datasource, and its receipt.
        let remote = fixture.lightly.appendingPathComponent(".lightly/runs/\(runID)")
        #expect(try Data(contentsOf: remote.appendingPathComponent("selected_filenames.txt"))
                == Data(contentsOf: run.appendingPathComponent("selected_filenames.txt")))
        #expect(FileManager.default.fileExists(atPath: remote.appendingPathComponent("report.pdf").path))
        #expect(context.receipts.count == 1)
        #expect(context.receipts.first?.objectValue?["run_id"]?.stringValue == runID)
        let item = StageItem(key: "all", sources: [], inputs: [:])
        #expect(try await ScheduleStage().verify(receipts: context.receipts, item: item, context: context))

        // The same config again: the same run id and byte-identical selection (its own run is no datapool).
        let (again, _) = try await fixture.run("again", parameters: ["selection_config": fixture.tutorialConfig()])
        #expect(try Data(contentsOf: again.appendingPathComponent("selected_filenames.txt"))
                == Data(contentsOf: run.appendingPathComponent("selected_filenames.txt")))

        // Another config in the same datasource, by default: earlier runs do not count.
        let (alone, _) = try await fixture.run(
            "alone", parameters: ["selection_config": fixture.tutorialConfig(samples: 50), "seed": .int(3)])
        #expect(try !String(contentsOf: alone.appendingPathComponent("log.txt"), encoding: .utf8).contains("datapool:"))
        #expect(!Set(try fixture.lines(alone.appendingPathComponent("selected_filenames.txt"))).isDisjoint(with: selected))

        // With use_datapool, the first run's frames are the datapool.
        let (second, _) = try await fixture.run(
            "second", parameters: [
                "selection_config": fixture.tutorialConfig(samples: 50), "seed": .int(3),
                "worker_config": .object(["use_datapool": .bool(true)]),
            ])
        let secondSelected = try fixture.lines(second.appendingPathComponent("selected_filenames.txt"))
        #expect(secondSelected.count == 50)
        #expect(Set(secondSelected).isDisjoint(with: selected))
        let secondReport = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: second.appendingPathComponent("report.json"))) as? [String: Any])
        #expect((secondReport["run"] as? [String: Any])?["tag"] as? String == "tag-3")
        #expect(try String(contentsOf: second.appendingPathComponent("log.txt"), encoding: .utf8).contains("datapool: 100 frames of run \(runID)"))

        // A second round of the first config, same seed: a new run whose id and tag name the round,
        // picking none of the frames of the runs before it (a round implies the datapool).
        var roundTwo = fixture.tutorialConfig(samples: 50)
        roundTwo = .object((roundTwo.objectValue ?? [:]).merging(["round": .int(2)]) { $1 })
        let (third, _) = try await fixture.run("round-2", parameters: ["selection_config": roundTwo, "seed": .int(3)])
        let thirdSelected = try fixture.lines(third.appendingPathComponent("selected_filenames.txt"))
        #expect(thirdSelected.count == 50)
        #expect(Set(thirdSelected).isDisjoint(with: selected + secondSelected))
        let thirdReport = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: third.appendingPathComponent("report.json"))) as? [String: Any])
        let thirdRun = try #require(thirdReport["run"] as? [String: Any])
        #expect(thirdRun["tag"] as? String == "round-2")
        #expect((thirdRun["run_id"] as? String)?.hasSuffix("-round-2") == true)

        // A removed run folder fails verification.
        try FileManager.default.removeItem(at: remote)
        #expect(try await ScheduleStage().verify(receipts: context.receipts, item: item, context: context) == false)
    }

    @Test("two identical runs write identical bytes, except the report's measured durations")
    func identicalRunsWriteIdenticalFiles() async throws {
        let fixture = try await ScheduleFixture(videos: ["clip.mp4": 30, "other.mp4": 24])
        defer { fixture.directory.remove() }
        let parameters = ["selection_config": fixture.tutorialConfig(samples: 6)]
        let (first, _) = try await fixture.run("first", parameters: parameters)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: first.appendingPathComponent("report.json"))) as? [String: Any])
        let runID = try #require((report["run"] as? [String: Any])?["run_id"] as? String)
        let remote = fixture.lightly.appendingPathComponent(".lightly/runs/\(runID)")
        let (second, _) = try await fixture.run("second", parameters: parameters)

        let firstLocal = try Self.contents(of: first), secondLocal = try Self.contents(of: second)
        #expect(firstLocal.keys.sorted() == secondLocal.keys.sorted())
        #expect(firstLocal.keys.contains("report.pdf") && firstLocal.keys.contains("log.txt") && !firstLocal.keys.contains("timings.json"))
        let timed: Set = ["report.json", "report.html", "report.pdf"]
        for (file, data) in firstLocal where !timed.contains(file) { #expect(secondLocal[file] == data, "\(file) differs between identical runs") }
        #expect(try Self.contents(of: remote) == secondLocal, "the datasource's run folder holds the last run's files")

        // The durations are the only difference between the two reports.
        let untimed = { (data: Data?) throws -> NSDictionary in
            let bytes = try #require(data)
            var report = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
            var run = try #require(report["run"] as? [String: Any])
            let total = try #require(run.removeValue(forKey: "total_seconds") as? Double)
            let steps = try #require(report["stages"] as? [[String: Any]])
            let seconds = steps.compactMap { $0["seconds"] as? Double }
            #expect(steps.map { $0["name"] as? String } == ["load datasources", "selection", "frames and crops"])
            #expect(seconds.count == steps.count && seconds.allSatisfy { $0 >= 0 } && total >= seconds.reduce(0, +))
            report["run"] = run
            report["stages"] = steps.map { $0.filter { $0.key != "seconds" } }
            return report as NSDictionary
        }
        #expect(try untimed(firstLocal["report.json"]) == untimed(secondLocal["report.json"]))
    }

    /// Every file under `folder` by relative path.
    static func contents(of folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let base = folder.standardizedFileURL.path + "/"
        let enumerator = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil))
        for case let url as URL in enumerator {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[String(url.standardizedFileURL.path.dropFirst(base.count))] = try Data(contentsOf: url)
        }
        return files
    }

    @Test("the external state digest follows predictions, not run folders")
    func externalState() async throws {
        let fixture = try await ScheduleFixture(videos: ["clip.mp4": 40])
        defer { fixture.directory.remove() }
        let (_, context) = try await fixture.run("first", parameters: ["selection_config": fixture.tutorialConfig(samples: 5)])
        let item = StageItem(key: "all", sources: [], inputs: [:])
        let before = try await ScheduleStage().externalStateDigest(item, context: context)
        let other = fixture.lightly.appendingPathComponent(".lightly/runs/run-other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try Data("x\n".utf8).write(to: other.appendingPathComponent("selected_filenames.txt"))
        #expect(try await ScheduleStage().externalStateDigest(item, context: context) == before)
        let writer = LightlyTreeWriter(root: fixture.lightly)
        try writer.writePredictions(PredictionFile(fileName: "clip-07-mp4.png", predictions: []), task: ScheduleFixture.task)
        #expect(try await ScheduleStage().externalStateDigest(item, context: context) != before)
    }

    @Test("a selection reads only the tasks its config names: another round's task changes neither its key nor its run")
    func onlyNamedTasks() async throws {
        let fixture = try await ScheduleFixture(videos: ["clip.mp4": 40])
        defer { fixture.directory.remove() }
        let config = fixture.tutorialConfig(samples: 5)
        let (first, context) = try await fixture.run("first", parameters: ["selection_config": config])
        let item = StageItem(key: "all", sources: [], inputs: [:])
        let before = try await ScheduleStage().externalStateDigest(item, context: context)
        let unnamed = try await fixture.run("unnamed", parameters: ["selection_config": .object([
            "n_samples": .int(5), "strategies": .array([fixture.strategy(["type": .string("RANDOM")], ["type": .string("WEIGHTS")])]),
        ])]).1
        let unnamedBefore = try await ScheduleStage().externalStateDigest(item, context: unnamed)

        // Round 2's task: listed in tasks.json, with a prediction of every frame, other scores.
        let writer = LightlyTreeWriter(root: fixture.lightly)
        try writer.writeTasks([ScheduleFixture.task, "pose_2"])
        try writer.writeSchema(PredictionTaskSchema(taskType: .keypointDetection, categories: [.cocoPerson]), task: "pose_2")
        var random = LCG(seed: 99)
        for index in 0..<40 {
            let name = FrameName(videoPath: "clip.mp4", index: index, frameCount: 40).description
            try writer.writePredictions(PredictionFile(fileName: name, predictions: [ScheduleFixture.person(&random, width: 160, height: 96)]), task: "pose_2")
        }
        #expect(try await ScheduleStage().externalStateDigest(item, context: context) == before)
        #expect(try await ScheduleStage().externalStateDigest(item, context: unnamed) != unnamedBefore, "a config naming no task reads every task")
        let (again, _) = try await fixture.run("again", parameters: ["selection_config": config])
        for file in ["selected_filenames.txt", "scores.csv", "embeddings.csv"] {
            #expect(try Data(contentsOf: again.appendingPathComponent(file)) == (try Data(contentsOf: first.appendingPathComponent(file))), "\(file)")
        }
        #expect(!String(decoding: try Data(contentsOf: again.appendingPathComponent("scores.csv")), as: UTF8.self).contains("pose_2"))

        // Which named tasks tasks.json lists counts: unlisting the task changes the key.
        try writer.writeTasks(["pose_2"])
        #expect(try await ScheduleStage().externalStateDigest(item, context: context) != before)
    }
}
