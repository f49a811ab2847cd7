import Foundation
import Testing
import TestSupport

/// The cache keys of `export` and `labels` items, as `orchestrate why` printed them with the build
/// of main at e4c3fbc, before these stages declared their parameters as `StageOptions` (issue 23):
/// moving a declaration must not re-run a committed export or label import. The keys hold no
/// path of the temporary folder (relative `with:` values, the label file's content, a fixed
/// absolute datasource that does not exist), so they are the same wherever the test runs. A
/// deliberate key change updates them and says why in docs/cache.md.
@Suite struct StageKeyStabilityTests {
    static let pipeline = """
        version: 1
        name: keys
        stages:
          labels:
            uses: labels
            with:
              source: labels.json
          labels-set:
            uses: labels
            with:
              lightly: lightly
              source: labels.json
              format: cvat-for-images
              task: pose
              reject: [a.png, b.png]
          export:
            uses: export
            with:
              lightly: /nonexistent-orchestrate-key-probe/lightly
              tag: round-1
          export-set:
            uses: export
            with:
              lightly: /nonexistent-orchestrate-key-probe/lightly
              tag: round-1
              expiry: 72h
              formats: [coco-keypoints, cvat-for-images]
              task: pose

        """

    /// By stage: every default, then values given for every parameter the stage declares itself.
    static let keys = [
        "labels": "08c46cc630ef9d52009534b3daa100c7f09e64bacc8818d212872fb45130b3af",
        "labels-set": "90dc9e629650f88b164b2dcc6c3a8b93f451197dbeb514ab6dd115faa467a9a2",
        "export": "41e10d0a24dc786eac2a5840ddfc05661a6c2c494664f62f25d8c2a83cbd6bdf",
        "export-set": "16997e429f54ad3ea6d8fc72047e9449d31459c85e14aead486732d30180b83b",
    ]

    @Test func exportAndLabelsKeepTheKeysOfTheReleaseBeforeTypedOptions() async throws {
        let workspace = try Workspace(sources: [:])
        defer { workspace.directory.remove() }
        try workspace.write(pipeline: Self.pipeline)
        try Data("[]\n".utf8).write(to: workspace.root.appendingPathComponent("labels.json"))
        for (stage, key) in Self.keys.sorted(by: { $0.key < $1.key }) {
            let why = try await CLI.run(["why", "p.yaml", stage], in: workspace.root)
            #expect(why.status == 0, "\(why.stderr)")
            #expect(why.lines.contains("  key \(key)"), "\(stage): \(why.stdout)")
        }
    }
}
