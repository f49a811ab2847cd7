import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Markup

/// CVAT for images 1.1 (`annotations.xml`): the labels of the task in `meta`, then one `image` per
/// frame with its shapes. A person is a `box` and a `skeleton` of `points` elements sharing a
/// `group_id`; CVAT users who did not set up a skeleton draw plain `points` shapes instead, one per
/// joint, named by their label and grouped by `group_id`.
public struct CVATDocument: Sendable, Hashable {
    public struct Label: Sendable, Hashable {
        public var name: String
        /// `rectangle`, `points`, `skeleton` or `any`.
        public var type: String
        /// The skeleton a point label belongs to.
        public var parent: String?

        public init(name: String, type: String, parent: String?) {
            self.name = name
            self.type = type
            self.parent = parent
        }
    }

    public struct Box: Sendable, Hashable {
        public var label: String
        public var xtl: Double, ytl: Double, xbr: Double, ybr: Double
        public var groupID: Int?
        public var occluded: Bool

        public init(label: String, xtl: Double, ytl: Double, xbr: Double, ybr: Double, groupID: Int?, occluded: Bool) {
            self.label = label
            (self.xtl, self.ytl, self.xbr, self.ybr) = (xtl, ytl, xbr, ybr)
            self.groupID = groupID
            self.occluded = occluded
        }
    }

    /// One joint of a skeleton, or a plain points shape (its first point).
    public struct Point: Sendable, Hashable {
        public var label: String
        public var x: Double, y: Double
        /// CVAT's "outside": the joint is not in the image (not labelled).
        public var outside: Bool
        public var occluded: Bool
        public var groupID: Int?

        public init(label: String, x: Double, y: Double, outside: Bool, occluded: Bool, groupID: Int?) {
            self.label = label
            (self.x, self.y) = (x, y)
            self.outside = outside
            self.occluded = occluded
            self.groupID = groupID
        }
    }

    public struct Skeleton: Sendable, Hashable {
        public var label: String
        public var groupID: Int?
        public var points: [Point]

        public init(label: String, groupID: Int?, points: [Point]) {
            self.label = label
            self.groupID = groupID
            self.points = points
        }
    }

    public struct Image: Sendable, Hashable {
        public var id: Int
        public var name: String
        public var width: Int
        public var height: Int
        public var boxes: [Box] = []
        public var skeletons: [Skeleton] = []
        /// Plain `points` shapes, outside any skeleton.
        public var points: [Point] = []

        public init(id: Int, name: String, width: Int, height: Int) {
            self.id = id
            self.name = name
            self.width = width
            self.height = height
        }
    }

    public var labels: [Label]
    public var images: [Image]
    /// Skeleton edges by label: 0-based joint index pairs in the order of the label's joints.
    public var edges: [String: [[Int]]]

    public init(labels: [Label], images: [Image], edges: [String: [[Int]]]) {
        self.labels = labels
        self.images = images
        self.edges = edges
    }

    /// The joint names of a skeleton label, in `meta` order.
    public func joints(of skeleton: String) -> [String] {
        labels.filter { $0.parent == skeleton }.map(\.name)
    }
}

// MARK: - Writing

extension CVATDocument {
    /// `annotations.xml`. Predictions are marked `source="auto"`, CVAT's mark for pre-annotations.
    public var xml: String {
        var lines = [#"<?xml version="1.0" encoding="utf-8"?>"#, "<annotations>", "  <version>1.1</version>", "  <meta>", "    <task>"]
        lines.append("      <size>\(images.count)</size>")
        lines.append("      <mode>annotation</mode>")
        lines.append("      <labels>")
        for label in labels {
            lines.append("        <label>")
            lines.append("          <name>\(Markup.escape(label.name))</name>")
            lines.append("          <type>\(label.type)</type>")
            lines.append("          <attributes></attributes>")
            if label.type == "skeleton" { lines.append("          <svg>\(Markup.escape(svg(label.name)))</svg>") }
            if let parent = label.parent { lines.append("          <parent>\(Markup.escape(parent))</parent>") }
            lines.append("        </label>")
        }
        lines += ["      </labels>", "    </task>", "  </meta>"]
        for image in images {
            lines.append(#"  <image id="\#(image.id)" name="\#(Markup.escape(image.name))" width="\#(image.width)" height="\#(image.height)">"#)
            for box in image.boxes {
                lines.append(#"    <box label="\#(Markup.escape(box.label))" source="auto" occluded="\#(box.occluded ? 1 : 0)" xtl="\#(Self.number(box.xtl))" ytl="\#(Self.number(box.ytl))" xbr="\#(Self.number(box.xbr))" ybr="\#(Self.number(box.ybr))" z_order="0"\#(Self.group(box.groupID))></box>"#)
            }
            for skeleton in image.skeletons {
                lines.append(#"    <skeleton label="\#(Markup.escape(skeleton.label))" source="auto" z_order="0"\#(Self.group(skeleton.groupID))>"#)
                for point in skeleton.points {
                    lines.append("      " + Self.pointsElement(point))
                }
                lines.append("    </skeleton>")
            }
            for point in image.points { lines.append("    " + Self.pointsElement(point)) }
            lines.append("  </image>")
        }
        lines.append("</annotations>")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func pointsElement(_ point: Point) -> String {
        #"<points label="\#(Markup.escape(point.label))" source="auto" outside="\#(point.outside ? 1 : 0)" occluded="\#(point.occluded ? 1 : 0)" points="\#(number(point.x)),\#(number(point.y))" z_order="0"\#(group(point.groupID))></points>"#
    }

    private static func group(_ id: Int?) -> String { id.map { #" group_id="\#($0)""# } ?? "" }

    /// Two decimals, as CVAT writes coordinates.
    static func number(_ value: Double) -> String { String(format: "%.2f", value) }

    /// The skeleton's drawing, as CVAT stores it: one circle per joint on a circle, one line per edge.
    private func svg(_ skeleton: String) -> String {
        let joints = joints(of: skeleton)
        func position(_ index: Int) -> (Double, Double) {
            let angle = 2 * Double.pi * Double(index) / Double(max(joints.count, 1))
            return (50 + 40 * cos(angle), 50 + 40 * sin(angle))
        }
        var parts: [String] = []
        for edge in edges[skeleton] ?? [] where edge.count == 2 && edge.allSatisfy(joints.indices.contains) {
            let (a, b) = (position(edge[0]), position(edge[1]))
            parts.append(#"<line x1="\#(Self.number(a.0))" y1="\#(Self.number(a.1))" x2="\#(Self.number(b.0))" y2="\#(Self.number(b.1))" data-type="edge" data-node-from="\#(edge[0] + 1)" data-node-to="\#(edge[1] + 1)"></line>"#)
        }
        for (index, name) in joints.enumerated() {
            let (x, y) = position(index)
            parts.append(#"<circle r="1.5" cx="\#(Self.number(x))" cy="\#(Self.number(y))" data-type="element node" data-element-id="\#(index + 1)" data-node-id="\#(index + 1)" data-label-name="\#(name)"></circle>"#)
        }
        return parts.joined(separator: "\n")
    }
}

// MARK: - Reading

extension CVATDocument {
    /// Parses `annotations.xml`.
    /// - Throws: ``LabelsError`` naming `file` and the line of the first problem.
    public static func read(_ data: Data, file: String) throws(LabelsError) -> CVATDocument {
        let reader = CVATReader(file: file)
        let parser = XMLParser(data: data)
        parser.delegate = reader
        let parsed = parser.parse()
        if let problem = reader.problem { throw problem }
        guard parsed else {
            throw LabelsError(
                "not well-formed XML (line \(parser.lineNumber)): \(parser.parserError.map { "\($0)" } ?? "unknown error")",
                code: .invalidFile, file: file)
        }
        guard reader.sawRoot else { throw LabelsError("no <annotations> root: not CVAT for images 1.1", code: .invalidFile, file: file) }
        return CVATDocument(labels: reader.labels, images: reader.images, edges: reader.edges)
    }
}

/// The SAX delegate behind ``CVATDocument/read(_:file:)``. Used by one parse on one thread.
private final class CVATReader: NSObject, XMLParserDelegate, @unchecked Sendable {
    let file: String
    var labels: [CVATDocument.Label] = []
    var images: [CVATDocument.Image] = []
    var edges: [String: [[Int]]] = [:]
    var problem: LabelsError?
    var sawRoot = false

    private var path: [String] = []
    private var text = ""
    private var label: (name: String, type: String, parent: String?, svg: String)?
    private var image: CVATDocument.Image?
    private var skeleton: CVATDocument.Skeleton?

    init(file: String) { self.file = file }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        path.append(element)
        text = ""
        func fail(_ message: String) {
            problem = problem ?? LabelsError(message, code: .invalidFile, file: file, id: image.map { "image \($0.id) '\($0.name)'" }, field: "line \(parser.lineNumber)")
            parser.abortParsing()
        }
        func number(_ name: String) -> Double? {
            guard let value = attributes[name], let number = Double(value) else { fail("<\(element)> has no numeric '\(name)'"); return nil }
            return number
        }
        switch element {
        case "annotations": sawRoot = true
        case "label" where path.contains("labels"): label = ("", "any", nil, "")
        case "image":
            guard let id = attributes["id"].flatMap(Int.init), let name = attributes["name"],
                  let width = attributes["width"].flatMap(Int.init), let height = attributes["height"].flatMap(Int.init)
            else { return fail("<image> needs id, name, width and height") }
            image = CVATDocument.Image(id: id, name: name, width: width, height: height)
        case "box":
            guard image != nil, let label = attributes["label"], let xtl = number("xtl"), let ytl = number("ytl"),
                  let xbr = number("xbr"), let ybr = number("ybr") else { return fail("<box> needs label, xtl, ytl, xbr, ybr inside an <image>") }
            image?.boxes.append(.init(label: label, xtl: xtl, ytl: ytl, xbr: xbr, ybr: ybr, groupID: attributes["group_id"].flatMap(Int.init),
                                      occluded: attributes["occluded"] == "1"))
        case "skeleton":
            guard image != nil, let label = attributes["label"] else { return fail("<skeleton> needs a label inside an <image>") }
            skeleton = .init(label: label, groupID: attributes["group_id"].flatMap(Int.init), points: [])
        case "points":
            guard image != nil, let label = attributes["label"], let value = attributes["points"] else {
                return fail("<points> needs label and points inside an <image>")
            }
            let coordinates = value.split(separator: ";").first?.split(separator: ",").compactMap { Double($0) } ?? []
            guard coordinates.count == 2 else { return fail("<points label=\"\(label)\">: points '\(value)' is not 'x,y'") }
            let point = CVATDocument.Point(
                label: label, x: coordinates[0], y: coordinates[1], outside: attributes["outside"] == "1",
                occluded: attributes["occluded"] == "1", groupID: attributes["group_id"].flatMap(Int.init))
            if skeleton != nil { skeleton?.points.append(point) } else { image?.points.append(point) }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        defer { path.removeLast() }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch element {
        case "name" where label != nil && path.dropLast().last == "label": label?.name = value
        case "type" where label != nil: label?.type = value
        case "parent" where label != nil: label?.parent = value
        case "svg" where label != nil: label?.svg = text
        case "label" where label != nil:
            if let label {
                labels.append(.init(name: label.name, type: label.type, parent: label.parent))
                if label.type == "skeleton" { edges[label.name] = Self.edges(svg: label.svg) }
            }
            label = nil
        case "skeleton":
            if let skeleton { image?.skeletons.append(skeleton) }
            skeleton = nil
        case "image":
            if let image { images.append(image) }
            image = nil
        default: break
        }
        text = ""
    }

    /// `data-node-from`/`data-node-to` pairs of the skeleton's SVG, 0-based.
    private static func edges(svg: String) -> [[Int]] {
        svg.components(separatedBy: "<line").dropFirst().compactMap { line in
            func attribute(_ name: String) -> Int? {
                guard let range = line.range(of: "\(name)=\"") else { return nil }
                return Int(line[range.upperBound...].prefix { $0 != "\"" })
            }
            guard let from = attribute("data-node-from"), let to = attribute("data-node-to") else { return nil }
            return [from - 1, to - 1]
        }
    }
}
