import Foundation
import Testing
import TestSupport

/// `decode → detect → convert → metadata → upload` as the engine runs it, to each kind of
/// datasource: the upload stage reads its inputs through the engine's staged links into the object
/// store, which module tests with regular files never exercise. Every stored object is read back by
/// an independent client (boto3 for S3) and compared byte for byte with the file it came from.
@Suite(.serialized, .motoServer) struct DatasourceUploadTests {
    /// A tiny random Keypoint R-CNN and two clips of different lengths, made once per process.
    static let assets = Task { () async throws -> (model: URL, clips: [URL], directory: TemporaryDirectory) in
        let directory = try TemporaryDirectory(prefix: "upload-assets")
        let model = directory.url.appendingPathComponent("model.pt")
        try await DebianPython.exportTinyKeypointModel(to: model)
        var clips: [URL] = []
        for (index, seconds) in ["0.6", "1.0"].enumerated() {
            let clip = directory.url.appendingPathComponent("clip\(index).mp4")
            try await FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc=size=160x90:rate=10", "-t", seconds,
                                     "-pix_fmt", "yuv420p", clip.path])
            clips.append(clip)
        }
        return (model, clips, directory)
    }

    @Test func s3DatasourceReceivesTheExactBytesOfEveryFile() async throws {
        let server = try MotoServerTrait.server()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let (inputBucket, lightlyBucket) = ("input-\(suffix)", "lightly-\(suffix)")
        try await Self.boto3(server, "for b in sys.argv[1:]: s3.create_bucket(Bucket=b)", [inputBucket, lightlyBucket])
        let workspace = try await Self.workspace(input: "s3://\(inputBucket)/videos", lightly: "s3://\(lightlyBucket)/lightly")

        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root, environment: server.environment)
        try #require(run.status == 0, "orchestrate run: \(run.stderr)")

        let stored = try await Self.storedObjects(server, buckets: [inputBucket, lightlyBucket])
        let expected = try Self.expectedObjects(workspace, input: "\(inputBucket)/videos/", lightly: "\(lightlyBucket)/lightly/")
        #expect(expected.keys.contains { $0.hasSuffix(".lightly/predictions/tasks.json") })
        #expect(expected.count >= 2 + 2 * 2, "two videos, their predictions and metadata: \(expected.keys.sorted())")
        // Besides the files, each datasource holds the upload's record of what it wrote.
        let records = Set(stored.keys.filter { $0.contains("/.orchestrate/uploads/") })
        #expect(records == ["\(inputBucket)/videos/.orchestrate/uploads/upload-check/upload.input.json",
                            "\(lightlyBucket)/lightly/.orchestrate/uploads/upload-check/upload.lightly.json"])
        #expect(stored.filter { !records.contains($0.key) } == expected)

        let again = try await CLI.run(["run", "p.yaml", "--json"], in: workspace.root, environment: server.environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stdout.contains("\"outcome\":\"done\""), "a second run re-executed items: \(again.stdout)")
    }

    @Test func localDatasourceReceivesTheExactBytesOfEveryFile() async throws {
        let workspace = try await Self.workspace(input: "datasources/input", lightly: "datasources/lightly")
        let run = try await CLI.run(["run", "p.yaml"], in: workspace.root)
        try #require(run.status == 0, "orchestrate run: \(run.stderr)")

        var stored: [String: String] = [:]
        for (folder, prefix) in [("datasources/input", "input/"), ("datasources/lightly", "lightly/")] {
            let root = workspace.root.appendingPathComponent(folder)
            for path in try FileManager.default.subpathsOfDirectory(atPath: root.path).sorted() {
                let url = root.appendingPathComponent(path)
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                // A local datasource must hold copies, never links into the workdir's object store.
                #expect(try url.resourceValues(forKeys: [.isSymbolicLinkKey]).isSymbolicLink != true, "\(path) is a link")
                stored[prefix + path] = try Self.sha256(url)
            }
        }
        let records = Set(stored.keys.filter { $0.contains("/.orchestrate/uploads/") })
        #expect(records == ["input/.orchestrate/uploads/upload-check/upload.input.json",
                            "lightly/.orchestrate/uploads/upload-check/upload.lightly.json"])
        #expect(stored.filter { !records.contains($0.key) } == (try Self.expectedObjects(workspace, input: "input/", lightly: "lightly/")))
    }

    /// Two rounds' predictions as two tasks in one datasource, as the tutorial's next round writes
    /// them: `upload-2` merges its task into the `tasks.json` that `upload` wrote, a second run
    /// re-runs nothing (round 1's receipts hold against the longer list), and renaming round 2's
    /// task removes the old one's files and line, round 1 staying cached.
    @Test(arguments: [false, true]) func twoRoundsMergeTheirTasksIntoOneTasksJSON(s3: Bool) async throws {
        let tasks = "\(Self.predictions)/tasks.json"
        var environment: [String: String] = [:]
        let workspace: Workspace
        /// The Lightly datasource's keys under `prefix`, each with its bytes.
        let stored: (String) async throws -> [String: Data]
        if s3 {
            let server = try MotoServerTrait.server()
            environment = server.environment
            let bucket = "lightly-\(UUID().uuidString.prefix(8).lowercased())"
            try await Self.boto3(server, "for b in sys.argv[1:]: s3.create_bucket(Bucket=b)", ["input-" + bucket, bucket])
            workspace = try await Self.workspace(input: "s3://input-\(bucket)/videos", lightly: "s3://\(bucket)/lightly", secondRound: true)
            stored = { prefix in
                let output = try await Self.boto3(server, """
                    import base64
                    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[1], Prefix="lightly/" + sys.argv[2]):
                        for o in page.get("Contents", []):
                            print(o["Key"][len("lightly/"):] + "\\t" + base64.b64encode(s3.get_object(Bucket=sys.argv[1], Key=o["Key"])["Body"].read()).decode())
                    """, [bucket, prefix])
                var objects: [String: Data] = [:]
                for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
                    let fields = line.split(separator: "\t").map(String.init)
                    objects[fields[0]] = Data(base64Encoded: fields[1])
                }
                return objects
            }
        } else {
            workspace = try await Self.workspace(input: "datasources/input", lightly: "datasources/lightly", secondRound: true)
            let root = workspace.root.appendingPathComponent("datasources/lightly")
            stored = { prefix in
                var objects: [String: Data] = [:]
                for path in (try? FileManager.default.subpathsOfDirectory(atPath: root.path)) ?? [] where path.hasPrefix(prefix) {
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory),
                          !isDirectory.boolValue else { continue }
                    objects[path] = try Data(contentsOf: root.appendingPathComponent(path))
                }
                return objects
            }
        }
        defer { workspace.directory.remove() }
        let listed = { () async throws -> [String]? in
            try (try await stored(tasks)[tasks]).map { try JSONDecoder().decode([String].self, from: $0) }
        }

        let first = try await CLI.run(["run", "p.yaml", "--json"], in: workspace.root, environment: environment)
        try #require(first.status == 0, "orchestrate run: \(first.stderr)")
        #expect(try await listed() == ["keypoint_rcnn_detection", "keypoint_rcnn_detection_2"])
        for task in ["keypoint_rcnn_detection", "keypoint_rcnn_detection_2"] {
            let schema = "\(Self.predictions)/\(task)/schema.json"
            #expect(try await stored(schema)[schema] != nil, "\(schema)")
        }
        // Each stage's output lists its own task, not the merged index.
        let output = String(decoding: try workspace.output("upload/all/upload.json"), as: UTF8.self)
        #expect(output.contains("\"keypoint_rcnn_detection\"") && !output.contains("keypoint_rcnn_detection_2") && !output.contains("tasks.json"))

        let again = try await CLI.run(["run", "p.yaml", "--json"], in: workspace.root, environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        let rerun = try VolleyballScenario.outcomes(again).filter { $0.value != "cached" }
        #expect(rerun.isEmpty, "a second run re-executed items: \(rerun)")

        let yaml = workspace.root.appendingPathComponent("p.yaml")
        try Data(try String(contentsOf: yaml, encoding: .utf8)
            .replacingOccurrences(of: "keypoint_rcnn_detection_2", with: "keypoint_rcnn_detection_3").utf8).write(to: yaml)
        let renamed = try await CLI.run(["run", "p.yaml", "--json"], in: workspace.root, environment: environment)
        #expect(renamed.status == 0, "\(renamed.stderr)")
        let outcomes = try VolleyballScenario.outcomes(renamed)
        #expect(outcomes["upload-2/all"] == "done" && outcomes["upload/all"] == "cached", "\(outcomes)")
        #expect(try await listed() == ["keypoint_rcnn_detection", "keypoint_rcnn_detection_3"])
        #expect(try await stored("\(Self.predictions)/keypoint_rcnn_detection_2/").isEmpty)
        #expect(try await stored("\(Self.predictions)/keypoint_rcnn_detection_3/").count == (try await stored("\(Self.predictions)/keypoint_rcnn_detection/").count))
    }

    // MARK: - Fixture

    static let predictions = ".lightly/predictions"

    /// With `secondRound`, round 2's `convert-2` (another task, fewer detections) and `upload-2`
    /// into the same datasources.
    static func workspace(input: String, lightly: String, secondRound: Bool = false) async throws -> Workspace {
        let assets = try await Self.assets.value
        let workspace = try Workspace(sources: [:])
        for clip in assets.clips {
            try FileManager.default.copyItem(at: clip, to: workspace.root.appendingPathComponent("data/\(clip.lastPathComponent)"))
        }
        try workspace.write(pipeline: """
            version: 1
            name: upload-check
            stages:
              decode: {uses: decode, foreach: "data/*.mp4"}
              detect: {uses: detect, needs: [decode], with: {model: "\(assets.model.path)", batch_size: 2, threads: 1}}
              convert: {uses: convert, needs: [detect], with: {task: keypoint_rcnn_detection}}
              metadata: {uses: metadata, needs: [decode]}
              upload: {uses: upload, needs: [convert, metadata], with: {input: "\(input)", lightly: "\(lightly)"}}
            """ + (secondRound ? """

              convert-2: {uses: convert, needs: [detect], with: {task: keypoint_rcnn_detection_2, score_threshold: 0.5}}
              upload-2: {uses: upload, needs: [convert-2, upload]}
            """ : ""))
        return workspace
    }

    /// What the datasources must hold: `PREFIX + key` → SHA-256, from the clips and from the
    /// `.lightly` trees of the committed `convert` and `metadata` outputs (read through their views).
    static func expectedObjects(_ workspace: Workspace, input: String, lightly: String) throws -> [String: String] {
        var expected: [String: String] = [:]
        for clip in try FileManager.default.contentsOfDirectory(atPath: workspace.root.appendingPathComponent("data").path) {
            // Under its item key: the path relative to the glob's base (`data/`).
            expected[input + clip] = try sha256(workspace.root.appendingPathComponent("data/\(clip)"))
        }
        for stage in ["convert", "metadata"] {
            let stageOut = workspace.outDirectory.appendingPathComponent(stage)
            for item in try FileManager.default.contentsOfDirectory(atPath: stageOut.path) {
                let tree = stageOut.appendingPathComponent(item).appendingPathComponent(".lightly")
                for path in try FileManager.default.subpathsOfDirectory(atPath: tree.path) {
                    let file = tree.appendingPathComponent(path)
                    guard let digest = try? sha256(file) else { continue }  // a folder
                    expected[lightly + ".lightly/" + path] = digest
                }
            }
        }
        return expected
    }

    /// Every object of `buckets`, downloaded with boto3: `BUCKET/KEY` → SHA-256 of its bytes.
    static func storedObjects(_ server: MotoServer, buckets: [String]) async throws -> [String: String] {
        let output = try await boto3(server, """
            import hashlib
            for b in sys.argv[1:]:
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b):
                    for o in page.get("Contents", []):
                        body = s3.get_object(Bucket=b, Key=o["Key"])["Body"].read()
                        assert len(body) == o["Size"], (o["Key"], len(body), o["Size"])
                        print(b + "/" + o["Key"] + "\\t" + hashlib.sha256(body).hexdigest())
            """, buckets)
        var stored: [String: String] = [:]
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: "\t").map(String.init)
            stored[fields[0]] = fields[1]
        }
        return stored
    }

    /// Runs `body` with `s3`, a boto3 client of the server, and `sys.argv[1:]` = `arguments`.
    @discardableResult
    static func boto3(_ server: MotoServer, _ body: String, _ arguments: [String]) async throws -> Data {
        let script = "import sys, boto3\ns3 = boto3.client('s3', endpoint_url='\(server.endpoint.absoluteString)')\n" + body
        return try await ChildProcess.checked(MotoServer.pythonPath.path, ["-c", script] + arguments,
                                             environment: server.environment).stdout
    }

    static func sha256(_ file: URL) throws -> String {
        EndToEndTests.sha256(try Data(contentsOf: file))
    }
}
