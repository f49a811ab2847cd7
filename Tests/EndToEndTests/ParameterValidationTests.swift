import Foundation
import Testing
import TestSupport

/// Every stage's settings are checked by `validate` and at the start of `run`, before anything
/// runs: declared ranges and choices, and each stage's own hook for structured settings.
@Suite("parameter validation before anything runs")
struct ParameterValidationTests {
    /// One bad value per line; `schedule` and `typo` are separate because Selection's parser
    /// stops at the first problem of a config, `export-3` and `labels-2` because a stage's own
    /// hook (the task name's check) runs only when its parameters have their declared types.
    static let pipeline = """
        version: 1
        name: bad-settings
        stages:
          decode:
            uses: decode
            foreach: "data/*.mp4"
            with:
              every: 0
              fps: -1
              dedup_threshold: 999
              change_threshold: 256
              max_gap: -1
          detect:
            uses: detect
            needs: [decode]
            with:
              model: model.pt
              batch_size: 0
          convert:
            uses: convert
            needs: [detect]
            with:
              task: preds/v2
          hook:
            uses: exec
            needs: [detect]
            with:
              argv: []
          schedule:
            uses: schedule
            needs: [detect]
            with:
              selection_config:
                n_sample: 10
                strategies:
                  - input: {type: EMBEDDINGS}
                    strategy: {type: DIVERSITY}
          typo:
            uses: schedule
            needs: [detect]
            with:
              selection_config:
                n_samples: 10
                strategies:
                  - input: {type: EMBEDDINGS}
                    strategy: {type: DIVERSTY}
          export:
            uses: export
            needs: [schedule]
            with:
              formats: [coco-keypoints, yolo]
          export-2:
            uses: export
            needs: [schedule]
            with:
              expiry: 8d
              tag: 3
              formats: [label-studio-task]
          export-3:
            uses: export
            needs: [schedule]
            with:
              task: my task
          labels:
            uses: labels
            needs: [export]
            with:
              source: labels.json
              format: cvat-for-image
              reject: frame.png
          labels-2:
            uses: labels
            needs: [export-3]
            with:
              source: labels.json
              task: ""
          meta:
            uses: metadata
            needs: [decode]
            with:
              fields: {team: volleyball, fps: 30}

        """

    /// The bad values, each with a text its message must contain.
    static let cases: [(value: String, message: String)] = [
        ("every: 0", "parameter 'every' must be at least 1, got 0"),
        ("fps: -1", "parameter 'fps' must be at least 0, got -1"),
        ("dedup_threshold: 999", "parameter 'dedup_threshold' must be within 0...255, got 999"),
        ("change_threshold: 256", "parameter 'change_threshold' must be within 0...255, got 256"),
        ("max_gap: -1", "parameter 'max_gap' must be at least 0, got -1"),
        ("batch_size: 0", "parameter 'batch_size' must be at least 1, got 0"),
        ("argv: []", "argv: must name a command"),
        ("n_sample: 10", "selection_config.n_sample: unknown key 'n_sample'. Did you mean 'n_samples'?"),
        ("type: DIVERSTY", "selection_config.strategies[0].strategy.type: unknown value 'DIVERSTY'. Did you mean 'DIVERSITY'?"),
        ("yolo", "parameter 'formats' expects 'filenames-and-read-urls' | 'label-studio-tasks' | 'coco-keypoints' | 'cvat-for-images', got 'yolo'"),
        ("expiry: 8d", "parameter 'expiry' must be within 1...604800 seconds, got '8d'"),
        ("tag: 3", "parameter 'tag' expects string, got 3"),
        ("label-studio-task]", "got 'label-studio-task' (did you mean 'label-studio-tasks'?)"),
        ("format: cvat-for-image", "parameter 'format' expects 'auto' | 'label-studio-json' | 'label-studio-coco' | 'cvat-for-images' | 'coco-keypoints', got 'cvat-for-image' (did you mean 'cvat-for-images'?)"),
        ("reject: frame.png", "parameter 'reject' expects list of string, got 'frame.png'"),
        ("fps: 30", "fields.fps: 'fps' is a built-in field"),
        ("task: preds/v2", "task: 'preds/v2' is not a prediction task name: it must be non-empty and use only letters, digits and _+=,.@:-"),
        ("task: my task", "task: 'my task' is not a prediction task name"),
        ("task: \"\"", "task: '' is not a prediction task name"),
    ]

    /// `p.yaml:LINE:COL` of the value in the line that contains `text`.
    static func location(of text: String) throws -> String {
        let lines = pipeline.split(separator: "\n", omittingEmptySubsequences: false)
        let index = try #require(lines.firstIndex { $0.contains(text) }, "'\(text)' is not in the pipeline")
        let line = String(lines[index])
        let valueText = text.contains(": ") ? String(text.split(separator: ": ", maxSplits: 1)[1]) : text
        let start = try #require(line.range(of: text)).lowerBound
        let column = line.distance(from: line.startIndex, to: try #require(line.range(of: valueText, range: start..<line.endIndex)).lowerBound)
        return "p.yaml:\(index + 1):\(column + 1)"
    }

    @Test func everyBadSettingIsReportedAtItsLineAndNothingRuns() async throws {
        let workspace = try Workspace(sources: ["a.mp4": "not a video: never decoded"])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: Self.pipeline)
        try Data("not a model: never loaded".utf8).write(to: workspace.root.appendingPathComponent("model.pt"))
        try Data("[]".utf8).write(to: workspace.root.appendingPathComponent("labels.json"))

        let validation = try await CLI.run(["validate", "p.yaml"], in: workspace.root)
        #expect(validation.status == 2)
        let errors = validation.stderr.split(separator: "\n").map(String.init)
        for (value, message) in Self.cases {
            let expected = "\(try Self.location(of: value)): error: "
            #expect(errors.contains { $0.hasPrefix(expected) && $0.contains(message) }, "\(expected)\(message)\n\(validation.stderr)")
        }
        #expect(errors.filter { $0.contains(": error: ") }.count == Self.cases.count, "\(validation.stderr)")

        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(try Self.location(of: "every: 0")): error:"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.root.appendingPathComponent(".orchestrate").path))
    }
}
