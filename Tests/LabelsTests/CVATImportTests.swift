import Foundation
import Labels
import Lightly
import Testing

/// CVAT for images 1.1 as CVAT writes it (docs.cvat.ai, "CVAT for image" format): a skeleton
/// export and a plain-points export of the same two people.
@Suite struct CVATImportTests {
    static let frame = SelectedFrame(name: "clips/game-003-mp4.png", width: 960, height: 540, sha256: "", runID: "run-1", round: 1)
    static let context = LabelContext(categories: [.cocoPerson], frames: [frame.name: frame]) { name, candidates in
        candidates.contains("nose") && name == "noze" ? " (did you mean 'nose'?)" : ""
    }

    static func labelsMeta(skeleton: Bool, joints: [String] = PredictionCategory.cocoKeypointNames) -> String {
        let points = joints.map { "<label><name>\($0)</name><color>#d12345</color><type>points</type><attributes></attributes>\(skeleton ? "<parent>person</parent>" : "")</label>" }
        let person = skeleton
            ? #"<label><name>person</name><color>#ff0000</color><type>skeleton</type><attributes></attributes><svg>&lt;line x1="10" y1="10" x2="20" y2="20" data-type="edge" data-node-from="16" data-node-to="14"&gt;&lt;/line&gt;</svg></label>"#
            : #"<label><name>person</name><color>#ff0000</color><type>rectangle</type><attributes></attributes></label>"#
        return """
            <?xml version="1.0" encoding="utf-8"?>
            <annotations>
              <version>1.1</version>
              <meta>
                <task><id>12</id><name>volleyball round 1</name><size>1</size><mode>annotation</mode>
                  <labels>\(person)\(points.joined())</labels>
                </task>
                <dumped>2026-12-07 10:00:00.000000+00:00</dumped>
              </meta>
            """
    }

    @Test func skeletonsWithBoxesByGroupAndOutsideAndOccludedJoints() throws {
        var joints = ""
        for (index, name) in PredictionCategory.cocoKeypointNames.enumerated() {
            let outside = name == "left_ear" ? 1 : 0, occluded = name == "right_wrist" ? 1 : 0
            joints += #"<points label="\#(name)" source="manual" outside="\#(outside)" occluded="\#(occluded)" points="\#(100 + index).25,\#(200 + index).75" z_order="0"></points>"#
        }
        let xml = Self.labelsMeta(skeleton: true) + """
              <image id="0" name="clips/game-003-mp4.png" width="960" height="540">
                <box label="person" source="manual" occluded="0" xtl="90.00" ytl="190.00" xbr="140.00" ybr="260.00" z_order="0" group_id="1"></box>
                <skeleton label="person" source="manual" z_order="0" group_id="1">\(joints)</skeleton>
                <skeleton label="person" source="manual" z_order="0">\(joints)</skeleton>
              </image>
            </annotations>
            """
        let result = LabelFormat.cvat.read(Data(xml.utf8), file: "annotations.xml", context: Self.context)
        #expect(result.problems.isEmpty, "\(result.problems)")
        let objects = try #require(result.frames.first?.objects)
        #expect(objects.count == 2)
        #expect(objects[0].bbox == [90, 190, 50, 70])
        let points = try #require(objects[0].keypoints)
        #expect(points.count == 51)
        #expect(Array(points[0..<3]) == [100.25, 200.75, 2])
        #expect(Array(points[9..<12]) == [0, 0, 0], "left_ear is outside: not labelled")
        #expect(points[32] == 1, "right_wrist is occluded: hidden")
        #expect(objects[1].bbox == [100.25, 200.75, 16, 16], "no box: the tight box over its joints")
    }

    @Test func plainPointsGroupedByGroupIDOrByTheBoxThatHoldsThem() throws {
        let xml = Self.labelsMeta(skeleton: false) + """
              <image id="3" name="clips/game-003-mp4.png" width="960" height="540">
                <box label="person" source="manual" occluded="0" xtl="0" ytl="0" xbr="100" ybr="100" z_order="0" group_id="4"></box>
                <box label="person" source="manual" occluded="0" xtl="500" ytl="300" xbr="600" ybr="500" z_order="0"></box>
                <points label="nose" source="manual" occluded="0" points="10.5,20.5" z_order="0" group_id="4"></points>
                <points label="left_knee" source="manual" occluded="1" points="50,90" z_order="0" group_id="4"></points>
                <points label="nose" source="manual" occluded="0" points="550,320" z_order="0"></points>
              </image>
            </annotations>
            """
        let result = LabelFormat.cvat.read(Data(xml.utf8), file: "annotations.xml", context: Self.context)
        #expect(result.problems.isEmpty, "\(result.problems)")
        let objects = try #require(result.frames.first?.objects)
        #expect(objects.count == 2)
        #expect(Array(objects[0].keypoints![0..<3]) == [10.5, 20.5, 2])
        #expect(Array(objects[0].keypoints![39..<42]) == [50, 90, 1])
        #expect(Array(objects[1].keypoints![0..<3]) == [550, 320, 2], "no group: the box that holds it")
        #expect(objects[1].bbox == [500, 300, 100, 200])
    }

    @Test func problemsNameTheFileTheImageAndTheField() {
        let xml = Self.labelsMeta(skeleton: true, joints: Array(PredictionCategory.cocoKeypointNames.dropLast())) + """
              <image id="5" name="clips/game-003-mp4.png" width="1920" height="1080"></image>
              <image id="6" name="clips/game-009-mp4.png" width="960" height="540"></image>
            </annotations>
            """
        let result = LabelFormat.cvat.read(Data(xml.utf8), file: "task_12.xml", context: Self.context)
        let messages = result.problems.map(\.description)
        #expect(messages.contains("task_12.xml: label 'person': meta.task.labels: skeleton 'person' has 16 joints, but the task's schema has 17"), "\(messages)")
        #expect(messages.contains { $0.hasPrefix("task_12.xml: image 5 'clips/game-003-mp4.png': width: the image is 1920 × 1080") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("task_12.xml: image 6 'clips/game-009-mp4.png': name: 'clips/game-009-mp4.png' names no selected frame") }, "\(messages)")
        #expect(result.frames.isEmpty)
    }

    @Test func unknownJointGetsDidYouMean() {
        let xml = Self.labelsMeta(skeleton: false) + """
              <image id="0" name="clips/game-003-mp4.png" width="960" height="540">
                <points label="noze" source="manual" occluded="0" points="1,2" z_order="0" group_id="1"></points>
              </image>
            </annotations>
            """
        let result = LabelFormat.cvat.read(Data(xml.utf8), file: "a.xml", context: Self.context)
        #expect(result.problems.map(\.description) == ["a.xml: image 0 'clips/game-003-mp4.png': points[0].label: unknown joint 'noze' (did you mean 'nose'?)"])
    }

    @Test func formatsAreDetectedFromTheBytes() {
        #expect(LabelFormat.detect(Data("<?xml version=\"1.0\"?><annotations/>".utf8)) == .cvat)
        #expect(LabelFormat.detect(Data([0x50, 0x4B, 0x03, 0x04, 0])) == .cvat)
        #expect(LabelFormat.detect(Data(" [{\"data\": {}}]".utf8)) == .labelStudioJSON)
        #expect(LabelFormat.detect(Data(#"{"images": [], "annotations": [], "categories": []}"#.utf8)) == .coco)
        #expect(LabelFormat.detect(Data(#"{"info": {"contributor": "Label Studio"}, "images": [], "annotations": [], "categories": []}"#.utf8)) == .labelStudioCOCO)
        #expect(LabelFormat.detect(Data("hello".utf8)) == nil)
    }

    @Test func storedZipIsReadByUnzipWithItsCRCs() throws {
        var zip = StoredZip()
        zip.add("annotations.xml", Data("<annotations/>".utf8))
        zip.add("images/clips/a.png", Data(repeating: 7, count: 1000))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stored-\(UUID().uuidString).zip")
        try zip.data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }  // A test's scratch file.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        process.arguments = ["-tq", file.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
