import Foundation
import Testing
import TestSupport

/// The ground truth `examples/generate_clips.py` writes beside each clip: valid COCO keypoints
/// (pycocotools loads it) whose visible joints are where the figures were drawn.
@Suite struct GroundTruthTests {
    /// Many small players: points moved off a figure rarely land on another one.
    static let clip = "block-at-net"
    static let width = 320, height = 180

    /// Generates two short clips at a small size; returns their folder.
    static func generate() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "ground-truth")
        try await DebianPython.run([
            VolleyballScenario.repositoryRoot.appendingPathComponent("examples/generate_clips.py").path,
            "--out", directory.url.path, "--seed", "7", "--frames-scale", "0.2",
            "--width", String(width), "--height", String(height),
            "--only", "\(clip).mp4", "--only", "serve-closeup.mp4",
        ])
        return directory
    }

    @Test func groundTruthLoadsInPycocotoolsWithFrameNamesAndVisibility() async throws {
        let directory = try await Self.generate()
        for name in [Self.clip, "serve-closeup"] {
            let script = """
                import json, sys
                from pycocotools.coco import COCO
                c = COCO(sys.argv[1])
                cat = c.loadCats(c.getCatIds(catNms=["person"]))[0]
                assert len(cat["keypoints"]) == 17 and cat["keypoints"][0] == "nose", cat
                assert min(min(p) for p in cat["skeleton"]) == 1 and len(cat["skeleton"]) == 16
                ids = sorted(c.getImgIds())
                assert ids == list(range(len(ids))), ids
                for a in c.loadAnns(c.getAnnIds()):
                    v = a["keypoints"][2::3]
                    assert len(a["keypoints"]) == 51 and set(v) <= {0, 1, 2}, a
                    assert a["num_keypoints"] == sum(1 for x in v if x > 0) and a["iscrowd"] == 0, a
                    x, y, w, h = a["bbox"]
                    assert 0 <= x and 0 <= y and x + w <= 320.01 and y + h <= 180.01 and a["area"] > 0, a
                    assert a["action"] in {"walk", "stand", "serve", "spike", "block", "dig"}, a
                    assert isinstance(a["track_id"], int), a
                anns = c.loadAnns(c.getAnnIds())
                print(json.dumps({"names": [c.imgs[i]["file_name"] for i in ids], "annotations": len(anns),
                                  "hidden": sum(a["keypoints"][2::3].count(1) for a in anns)}))
                """
            let output = try await ChildProcess.checked(
                MotoServer.pythonPath.path, ["-c", script, directory.url.appendingPathComponent("\(name).json").path])
            let summary = try JSONSerialization.jsonObject(with: Data(output.stdoutText.split(separator: "\n").last!.utf8)) as! [String: Any]
            let names = try #require(summary["names"] as? [String])
            // Lightly's rule: the index zero-padded to the digits of the frame count.
            let width = String(names.count).count
            #expect(names == names.indices.map { "\(name)-\(String(repeating: "0", count: width - String($0).count))\($0)-mp4.png" })
            #expect(try #require(summary["annotations"] as? Int) >= names.count)
        }
    }

    /// Samples the decoded frames at every visible nose (drawn in skin colour) and knee and ankle
    /// (drawn in the leg colour): nearly all must show that colour, and the same points moved
    /// off the figures must not.
    @Test func visibleKeypointsLandOnTheDrawnJoints() async throws {
        let directory = try await Self.generate()
        let video = directory.url.appendingPathComponent("\(Self.clip).mp4")
        let truth = try JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.url.appendingPathComponent("\(Self.clip).json"))) as! [String: Any]
        let annotations = try #require(truth["annotations"] as? [[String: Any]])
        let frameBytes = Self.width * Self.height * 3
        let raw = try await FFmpegCLI.run(["-i", video.path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        let images = try #require(truth["images"] as? [[String: Any]])
        #expect(raw.count == images.count * frameBytes)

        let expected: [Int: (Int, Int, Int)] = [0: (230, 190, 160), 13: (60, 40, 30), 14: (60, 40, 30), 15: (60, 40, 30), 16: (60, 40, 30)]
        var onJoint = 0, offJoint = 0, sampled = 0
        for annotation in annotations {
            let frame = try #require(annotation["image_id"] as? Int)
            let keypoints = try #require(annotation["keypoints"] as? [Double])
            let box = try #require(annotation["bbox"] as? [Double])
            for (joint, color) in expected where keypoints[joint * 3 + 2] == 2 {
                let x = Int(keypoints[joint * 3].rounded()), y = Int(keypoints[joint * 3 + 1].rounded())
                sampled += 1
                if Self.pixel(raw, frame: frame, x: x, y: y, near: color) { onJoint += 1 }
                // The point moved left or right by the box's width is off this figure.
                let shifted = x + Int(box[2]) + 4 < Self.width ? x + Int(box[2]) + 4 : x - Int(box[2]) - 4
                if shifted >= 0, Self.pixel(raw, frame: frame, x: shifted, y: y, near: color) { offJoint += 1 }
            }
        }
        #expect(sampled >= 50)
        #expect(Double(onJoint) >= 0.9 * Double(sampled), "\(onJoint) of \(sampled) visible joints show their colour")
        #expect(Double(offJoint) <= 0.2 * Double(sampled), "\(offJoint) of \(sampled) shifted points show it too")
    }

    /// Whether the pixel's colour is within a tolerance (H.264 and 4:2:0 blur it) of `color`.
    static func pixel(_ raw: Data, frame: Int, x: Int, y: Int, near color: (Int, Int, Int)) -> Bool {
        let offset = (frame * height + y) * width * 3 + x * 3
        let (r, g, b) = (Int(raw[offset]), Int(raw[offset + 1]), Int(raw[offset + 2]))
        return abs(r - color.0) + abs(g - color.1) + abs(b - color.2) <= 90
    }
}
