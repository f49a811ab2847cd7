import Foundation
import JSON

/// The report's tables and notes as rows of strings, shared by the HTML and the PDF.
enum ReportTables {
    static func run(_ run: RunInformation) -> [(String, String)] {
        [("Run id", run.runId), ("Tag", run.tag)]
            + (run.created.map { [("Created", $0)] } ?? [])
            + [("Input datasource", run.inputDatasource), ("Lightly datasource", run.lightlyDatasource)]
            + (run.totalSeconds.map { [("Total processing time", seconds($0))] } ?? [])
    }

    static let sizesHeader = ["", "frames", "objects"]

    static func sizes(_ sizes: DatasetSizes) -> [[String]] {
        [
            ["Input", "\(sizes.input)", "\(sizes.inputObjects)"],
            ["Selected by this run", "\(sizes.selected)", "\(sizes.selectedObjects)"],
            ["Removed", "\(sizes.removed)", ""],
            ["Datapool (earlier runs)", "\(sizes.datapool)", ""],
            ["Selected with datapool", "\(sizes.selectedWithDatapool)", ""],
        ]
    }

    static let roundsHeader = ["Round", "labelled", "labelled so far", "keypoint AP", "box AP"]

    /// One row per round; the model columns are the audit scores of the model trained on the
    /// labels so far, "–" where unknown.
    static func rounds(_ rounds: [RoundRecord]) -> [[String]] {
        rounds.map { record in
            [record.round == 0 ? "start" : "\(record.round)", "\(record.labelled)", "\(record.labelledSoFar)",
             record.model.map { precision($0.keypointAP) } ?? "–", record.model.map { precision($0.boxAP) } ?? "–"]
        }
    }

    /// A warning for each round whose model scores a lower keypoint AP on the audit set than the
    /// model of the round before it.
    static func roundWarnings(_ rounds: [RoundRecord]) -> [String] {
        let scored = rounds.compactMap { record in record.model.map { (record.round, $0) } }
        return zip(scored, scored.dropFirst()).compactMap { earlier, later in
            guard later.1.keypointAP < earlier.1.keypointAP else { return nil }
            let earlierName = earlier.0 == 0 ? "the starting model" : "round \(earlier.0)'s"
            return "Warning: round \(later.0)'s model scores worse on the audit set than \(earlierName): keypoint AP "
                + "\(precision(later.1.keypointAP)) < \(precision(earlier.1.keypointAP)). "
                + "Check round \(later.0)'s labels before labelling more."
        }
    }

    static let roundsNote = "Frames labelled per round (the round ledger) and the keypoint and box AP on the audit set of the model trained on the labels so far (train's metrics.json)."

    static func stagesHeader(timed: Bool) -> [String] {
        ["Step", "in", "kept", "removed"] + (timed ? ["time"] : []) + ["what the counts are"]
    }

    /// One row per step: counts with their units, "–" for removed when the units differ.
    static func stages(_ steps: [StageSummary], timed: Bool) -> [[String]] {
        steps.map { step in
            [step.name, "\(step.input) \(step.inputUnit)", "\(step.kept) \(step.keptUnit)", step.removed.map(String.init) ?? "–"]
                + (timed ? [step.seconds.map(seconds) ?? "–"] : [])
                + [step.detail ?? ""]
        }
    }

    static let metricsHeader = ["", "set", "n", "mean", "std", "min", "median", "max"]

    static func metrics(_ rows: [(String, DistributionPerSet)]) -> [[String]] {
        let format = { (metrics: Metrics?) -> [String] in
            guard let metrics else { return ["0", "–", "–", "–", "–", "–"] }
            return ["\(metrics.count)"] + [metrics.mean, metrics.std, metrics.min, metrics.median, metrics.max].map { Ticks.format($0, step: 0.0001) }
        }
        return rows.flatMap { name, distribution in
            [[name, "input"] + format(distribution.input), ["", "selected"] + format(distribution.selected)]
        }
    }

    static let videosHeader = ["Video", "input", "selected", "datapool", "selected share", "target"]

    static func videos(_ videos: [VideoShare]) -> [[String]] {
        videos.map {
            [$0.video, "\($0.input)", "\($0.selected)", "\($0.datapool)", percent($0.selectedShare), $0.target.map(percent) ?? "–"]
        }
    }

    static func framesNote(shown: Int, of total: Int) -> String {
        (shown == total ? "All \(total) selected frames" : "The first \(shown) of \(total) selected frames")
            + " in pick order, whole, with the predicted boxes (amber) and skeletons (COCO keypoints; dots dark for a low keypoint score, bright for a high one)."
    }

    static func cropsNote(shown: Int, of total: Int) -> String {
        "\(shown) of \(total) crops of the objects in the selected frames, sorted by score, lowest (hardest) first."
    }

    /// The config as short lines: one per top-level key, one per strategy, each compact JSON
    /// wrapped at `width` characters (the PDF has no room for pretty-printed JSON).
    static func compactConfig(_ config: JSONValue, width: Int) throws -> [String] {
        guard let fields = config.objectValue else { return wrap(try compact(config), width: width) }
        var lines: [String] = []
        for key in fields.keys.sorted() {
            guard let value = fields[key] else { continue }
            if let items = value.arrayValue, !items.isEmpty {
                for (index, item) in items.enumerated() { lines += wrap("\(key)[\(index)]: " + (try compact(item)), width: width) }
            } else {
                lines += wrap("\(key): " + (try compact(value)), width: width)
            }
        }
        return lines
    }

    static func prettyJSON(_ value: JSONValue) throws -> String {
        try encoded(value, [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }
    /// An average precision, to three decimals (pycocotools prints three).
    static func precision(_ value: Double) -> String { String(format: "%.3f", value) }
    static func percent(_ share: Double) -> String { String(format: "%.1f %%", 100 * share) }

    private static func compact(_ value: JSONValue) throws -> String {
        try encoded(value, [.sortedKeys, .withoutEscapingSlashes])
    }

    private static func encoded(_ value: JSONValue, _ formatting: JSONEncoder.OutputFormatting) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func wrap(_ line: String, width: Int) -> [String] {
        var lines = [String(line.prefix(width))]
        var rest = line.dropFirst(width)
        while !rest.isEmpty {
            lines.append("    " + rest.prefix(width - 4))
            rest = rest.dropFirst(width - 4)
        }
        return lines
    }
}

/// A frames-grid cell drawn once, at twice its size, into an image: the HTML embeds it as PNG and
/// the PDF paints it, so the PDF holds thumbnails rather than full-size frames.
struct FrameThumbnail {
    /// Points: a 16:9 picture and the caption under it.
    static let size = (width: 176.0, height: 99.0 + PictureCell.captionHeight)

    var picture: FramePicture
    var image: CairoSurface

    init(_ tile: FrameTile) throws {
        picture = tile.picture
        image = try CairoSurface.drawn(width: Self.size.width, height: Self.size.height, scale: 2) { canvas in
            tile.draw(canvas, in: Rect(x: 0, y: 0, width: Self.size.width, height: Self.size.height))
        }
    }

    /// The image's alt text: pick position, frame and what was detected.
    var description: String { "frame #\(picture.pick) \(picture.frame): \(FrameTile.caption(objects: picture.objects.count))" }
}
