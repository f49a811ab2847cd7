import Foundation
import JSON
import Markup

/// The self-contained HTML report: inline CSS, plots as SVG and crops as PNG in `data:` URLs,
/// no scripts and no external references, so it opens from disk with no network.
struct HTMLReport {
    let data: ReportData
    let figures: ReportFigures
    let frames: [FrameThumbnail]
    let crops: [CropTile]

    func render() throws -> Data {
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Selection report \(Markup.escape(data.run.runId))</title>
        <style>\(Self.style)</style>
        </head>
        <body>
        <header><h1>Selection report</h1><p class="sub">\(Markup.escape(Self.subtitle(data.run)))</p></header>

        """
        for section in ReportSection.shown(in: data) {
            html += "<section id=\"\(section.rawValue)\">\n<h2>\(Markup.escape(section.title))</h2>\n"
            html += try body(of: section)
            html += "</section>\n"
        }
        html += "</body>\n</html>\n"
        return Data(html.utf8)
    }

    /// The line under the title: run, tag and, when known, when it was created.
    static func subtitle(_ run: RunInformation) -> String {
        ["Run \(run.runId)", "tag \(run.tag)", run.created].compactMap { $0 }.joined(separator: " · ")
    }

    private func body(of section: ReportSection) throws -> String {
        let statistics = figures.statistics
        switch section {
        case .run:
            return table(header: nil, rows: ReportTables.run(data.run).map { [$0.0, $0.1] })
                + "<h3>Selection config</h3>\n<pre>\(Markup.escape(try ReportTables.prettyJSON(data.run.selectionConfig)))</pre>\n"
        case .sizes:
            return table(header: ReportTables.sizesHeader, rows: ReportTables.sizes(statistics.datasetSizes), numeric: true)
        case .rounds:
            return note(ReportTables.roundsNote)
                + table(header: ReportTables.roundsHeader, rows: ReportTables.rounds(data.rounds), numeric: true)
                + ReportTables.roundWarnings(data.rounds).map { "<p class=\"warning\">\(Markup.escape($0))</p>\n" }.joined()
        case .stages:
            guard !data.stages.isEmpty else { return note("No steps recorded in this run.") }
            let timed = figures.stageTimes
            return table(
                header: ReportTables.stagesHeader(timed: timed != nil), rows: ReportTables.stages(data.stages, timed: timed != nil),
                numeric: true, textColumns: [0, timed == nil ? 4 : 5]
            ) + (try timed.map(image) ?? "")
        case .objects:
            return try image(figures.objectsPerFrame) + metricsTable([("objects per frame", statistics.objectsPerFrame)])
        case .scores:
            let names = statistics.scoreNames
            guard !names.isEmpty else { return note("No active-learning scores in this run.") }
            return try metricsTable(names.compactMap { name in statistics.scores[name].map { (name, $0) } })
                + figures.scoreDistributions.map(image).joined()
        case .videos:
            guard let figure = figures.videoShares else { return note("No videos in this run.") }
            return try image(figure) + table(header: ReportTables.videosHeader, rows: ReportTables.videos(statistics.videos), numeric: true)
        case .embedding:
            guard let figure = figures.embedding else { return note("No embeddings in this run.") }
            return try image(figure)
        case .frames:
            guard !frames.isEmpty else { return note("No selected frames in this run.") }
            var html = note(ReportTables.framesNote(shown: frames.count, of: data.selectedFrames.count)) + "<div class=\"gallery frames\">\n"
            for frame in frames {
                html += "<img class=\"frame\" width=\"\(Int(1.5 * FrameThumbnail.size.width))\" alt=\"\(Markup.escape(frame.description))\" src=\"data:image/png;base64,\(try frame.image.pngData().base64EncodedString())\">\n"
            }
            return html + "</div>\n"
        case .gallery:
            guard !crops.isEmpty else { return note("No crops in this run.") }
            var html = note(ReportTables.cropsNote(shown: crops.count, of: data.gallery.count)) + "<div class=\"gallery\">\n"
            for tile in crops {
                let png = try CairoSurface.png(width: Self.tileSize.width, height: Self.tileSize.height, scale: 2) { canvas in
                    tile.draw(canvas, in: Rect(x: 0, y: 0, width: Self.tileSize.width, height: Self.tileSize.height))
                }
                html += "<img class=\"crop\" width=\"\(Int(Self.tileSize.width))\" height=\"\(Int(Self.tileSize.height))\" alt=\"\(Markup.escape("crop #\(tile.rank) of \(tile.crop.frame), score \(tile.crop.score)"))\" src=\"data:image/png;base64,\(png.base64EncodedString())\">\n"
            }
            return html + "</div>\n"
        }
    }

    static let tileSize = (width: 150.0, height: 210.0)

    private func image(_ figure: Figure) throws -> String {
        let svg = try CairoSurface.svg(width: figure.width, height: figure.height) { canvas in
            figure.draw(canvas, Rect(x: 0, y: 0, width: figure.width, height: figure.height))
        }
        // An <img> per SVG keeps each plot a document of its own: cairo names glyph symbols
        // alike in every SVG, which would clash if several were inlined in one page.
        return """
        <figure id="figure-\(Markup.escape(figure.id))"><img class="plot" width="\(Int(figure.width))" height="\(Int(figure.height))" alt="\(Markup.escape(figure.caption))" src="data:image/svg+xml;base64,\(svg.base64EncodedString())"><figcaption>\(Markup.escape(figure.caption))</figcaption></figure>

        """
    }

    private func metricsTable(_ rows: [(String, DistributionPerSet)]) -> String {
        table(header: ReportTables.metricsHeader, rows: ReportTables.metrics(rows), numeric: true)
    }

    /// With `numeric`, the columns not in `textColumns` are right-aligned numbers.
    private func table(header: [String]?, rows: [[String]], numeric: Bool = false, textColumns: Set<Int> = [0]) -> String {
        var html = "<table\(numeric ? " class=\"numeric\"" : "")>\n"
        if let header { html += "<tr>" + header.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr>\n" }
        for row in rows {
            html += "<tr>" + row.enumerated().map { column, cell in
                numeric && column > 0 && textColumns.contains(column) ? "<td class=\"text\">\(Markup.escape(cell))</td>" : "<td>\(Markup.escape(cell))</td>"
            }.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }

    private func note(_ text: String) -> String { "<p class=\"note\">\(Markup.escape(text))</p>\n" }

    private static let style = """
    body{font-family:"DejaVu Sans",Verdana,sans-serif;color:#222;max-width:980px;margin:0 auto;padding:16px 24px;line-height:1.4}
    h1{margin:0 0 4px}h2{border-bottom:2px solid #d9622b;padding-bottom:4px;margin-top:36px}
    .sub,.note,figcaption{color:#666;font-size:0.9em}.warning{color:#b3261e;font-weight:bold}
    table{border-collapse:collapse;margin:8px 0 16px}th,td{border-bottom:1px solid #ddd;padding:3px 10px;text-align:left}
    table.numeric td+td{text-align:right;white-space:nowrap}table.numeric td.text{text-align:left;white-space:normal}th{background:#f4f4f4}
    pre{background:#f6f6f6;padding:10px;overflow-x:auto;font-size:0.85em}
    figure{margin:12px 0}img.plot{width:100%;height:auto;border:1px solid #eee}
    .gallery{display:flex;flex-wrap:wrap;gap:8px}img.crop,img.frame{border:1px solid #eee}img.frame{height:auto}
    @media print{section{break-inside:avoid-page}}
    """
}
