import Foundation
import Lightly
import Testing

/// `PictureObject` is what `report.json` (`selected_frames[].objects`) and the browser view hold;
/// its JSON is the one the report's and the view's own types wrote before they became this one.
@Suite struct PictureObjectTests {
    static func encoded(_ object: PictureObject) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(object), as: UTF8.self)
    }

    @Test func encodesAsTheReportAndTheViewDidAndDecodesBack() throws {
        let whole = PictureObject(bbox: [40, 20.5, 40, 80], score: 0.9, keypoints: [45, 22, 0.75, 46.5, 23, 1])
        #expect(try Self.encoded(whole) == #"{"bbox":[40,20.5,40,80],"keypoints":[45,22,0.75,46.5,23,1],"score":0.9}"#)
        let bare = PictureObject(bbox: nil, score: nil, keypoints: [])
        #expect(try Self.encoded(bare) == #"{"keypoints":[]}"#)
        for object in [whole, bare] {
            #expect(try JSONDecoder().decode(PictureObject.self, from: Data(try Self.encoded(object).utf8)) == object)
        }
    }

    @Test func aPredictionKeepsOnlyWholeKeypoints() {
        let prediction = Prediction(categoryID: 1, score: 0.5, bbox: [1, 2, 3, 4], keypoints: [10, 20, 0.5, 11, 21])
        #expect(PictureObject(prediction) == PictureObject(bbox: [1, 2, 3, 4], score: 0.5, keypoints: [10, 20, 0.5]))
        #expect(PictureObject(Prediction(categoryID: 1)) == PictureObject(bbox: nil, score: nil, keypoints: []))
    }
}
