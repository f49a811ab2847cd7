import Markup

/// The Label Studio labeling config that `export`'s tasks refer to (`label-studio-config.xml`):
/// an image, a `RectangleLabels` tag per category and a `KeyPointLabels` tag whose labels carry
/// `model_index` in schema order, which Label Studio's COCO and YOLO exports need.
public struct LabelStudioConfig: Sendable, Hashable {
    public static let rectangleControl = "bbox", keypointControl = "keypoints", imageObject = "image"

    public var categories: [String]
    public var keypointNames: [String]

    public init(categories: [String], keypointNames: [String]) {
        self.categories = categories
        self.keypointNames = keypointNames
    }

    /// The config as XML.
    public var xml: String {
        let boxes = categories.map { "    <Label value=\"\(Markup.escape($0))\"/>" }.joined(separator: "\n")
        let points = keypointNames.enumerated().map { index, name in
            "    <Label value=\"\(Markup.escape(name))\" model_index=\"\(index)\"/>"
        }.joined(separator: "\n")
        return """
            <View>
              <Image name="\(Self.imageObject)" value="$image" zoom="true"/>
              <RectangleLabels name="\(Self.rectangleControl)" toName="\(Self.imageObject)">
            \(boxes)
              </RectangleLabels>
              <KeyPointLabels name="\(Self.keypointControl)" toName="\(Self.imageObject)">
            \(points)
              </KeyPointLabels>
            </View>

            """
    }
}
