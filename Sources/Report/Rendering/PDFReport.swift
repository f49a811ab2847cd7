import Foundation

/// The PDF report: A4 landscape pages drawn with cairo, the same sections and figures as the HTML.
struct PDFReport {
    let data: ReportData
    let figures: ReportFigures
    let crops: [CropTile]

    static let page = (width: 842.0, height: 595.0)
    static let margin = 40.0

    func write(to url: URL) throws {
        let surface = try CairoSurface.pdf(at: url, width: Self.page.width, height: Self.page.height)
        // Without a date cairo writes the current time, and the file would differ on every run.
        surface.setPDFMetadata(title: "Selection report \(data.run.runId)", date: data.run.created ?? "1970-01-01T00:00:00Z")
        let layout = PageLayout(surface: surface, footer: "Selection report · run \(data.run.runId)")
        try layout.title("Selection report", subtitle: HTMLReport.subtitle(data.run))
        for section in ReportSection.allCases {
            try layout.heading(section.title, keepWith: firstBlockHeight(section))
            try body(of: section, layout)
        }
        try layout.finish()
    }

    private func body(of section: ReportSection, _ layout: PageLayout) throws {
        let statistics = figures.statistics
        switch section {
        case .run:
            try layout.table(
                [
                    ["Run id", data.run.runId], ["Tag", data.run.tag],
                ] + (data.run.created.map { [["Created", $0]] } ?? []) + [
                    ["Input datasource", data.run.inputDatasource], ["Lightly datasource", data.run.lightlyDatasource],
                ] + (data.run.totalSeconds.map { [["Total processing time", HTMLReport.seconds($0)]] } ?? []),
                columns: [150, 365]
            )
            try layout.text("Selection config", bold: true)
            let lines = try HTMLReport.prettyJSON(data.run.selectionConfig).split(separator: "\n", omittingEmptySubsequences: false)
            for line in lines.prefix(60) { try layout.code(String(line)) }
            if lines.count > 60 { try layout.code("… (\(lines.count - 60) more lines in report.json)") }
        case .sizes:
            let sizes = statistics.datasetSizes
            try layout.table(
                [
                    ["", "frames", "objects"], ["Input", "\(sizes.input)", "\(sizes.inputObjects)"],
                    ["Selected by this run", "\(sizes.selected)", "\(sizes.selectedObjects)"], ["Removed", "\(sizes.removed)", ""],
                    ["Datapool (earlier runs)", "\(sizes.datapool)", ""], ["Selected with datapool", "\(sizes.selectedWithDatapool)", ""],
                ],
                columns: [180, 90, 90], header: true
            )
        case .stages:
            guard !data.stages.isEmpty else { return try layout.text("No steps recorded in this run.") }
            let timed = figures.stageTimes
            try layout.table(
                [["Stage", "input", "kept", "removed"] + (timed == nil ? [] : ["time"])]
                    + data.stages.map { step in
                        [step.name, "\(step.input)", "\(step.kept)", "\(step.removed)"]
                            + (timed == nil ? [] : [HTMLReport.seconds(step.seconds ?? 0)])
                    },
                columns: timed == nil ? [200, 75, 75, 75] : [200, 75, 75, 75, 90], header: true
            )
            if let timed { try layout.figure(timed) }
        case .objects:
            try layout.figure(figures.objectsPerFrame)
            try metrics([("objects per frame", statistics.objectsPerFrame)], layout)
        case .scores:
            guard !statistics.scoreNames.isEmpty else { return try layout.text("No active-learning scores in this run.") }
            try metrics(statistics.scoreNames.compactMap { name in statistics.scores[name].map { (name, $0) } }, layout)
            for figure in figures.scoreDistributions { try layout.figure(figure) }
        case .videos:
            guard let figure = figures.videoShares else { return try layout.text("No videos in this run.") }
            try layout.figure(figure)
            try layout.table(
                [["Video", "input", "selected", "datapool", "share", "target"]]
                    + statistics.videos.map {
                        [$0.video, "\($0.input)", "\($0.selected)", "\($0.datapool)", HTMLReport.percent($0.selectedShare), $0.target.map(HTMLReport.percent) ?? "–"]
                    },
                columns: [200, 60, 60, 60, 70, 65], header: true
            )
        case .embedding:
            guard let figure = figures.embedding else { return try layout.text("No embeddings in this run.") }
            try layout.figure(figure)
        case .gallery:
            guard !crops.isEmpty else { return try layout.text("No crops in this run.") }
            try layout.text("\(crops.count) of \(data.gallery.count) crops, sorted by score, lowest (hardest) first.")
            try layout.grid(crops.map { tile in { canvas, rect in tile.draw(canvas, in: rect) } }, cell: (width: 122, height: 170))
        }
    }

    /// The height of a section's first block, so that a heading never ends a page alone.
    private func firstBlockHeight(_ section: ReportSection) -> Double {
        let figure: Figure? = switch section {
        case .objects: figures.objectsPerFrame
        case .videos: figures.videoShares
        case .embedding: figures.embedding
        default: nil
        }
        return figure.map { PageLayout.scaledHeight($0) } ?? 120
    }

    private func metrics(_ rows: [(String, DistributionPerSet)], _ layout: PageLayout) throws {
        let format = { (metrics: Metrics?) -> [String] in
            guard let metrics else { return ["0", "–", "–", "–", "–", "–"] }
            return ["\(metrics.count)"] + [metrics.mean, metrics.std, metrics.min, metrics.median, metrics.max].map { Ticks.format($0, step: 0.0001) }
        }
        try layout.table(
            [["", "set", "n", "mean", "std", "min", "median", "max"]]
                + rows.flatMap { name, distribution in
                    [[name, "input"] + format(distribution.input), ["", "selected"] + format(distribution.selected)]
                },
            columns: [135, 55, 45, 56, 56, 56, 56, 56], header: true, size: 8.5
        )
    }
}

/// Places blocks top to bottom on the report's pages, starting a new page when a block does not fit.
final class PageLayout {
    private let surface: CairoSurface
    private let footer: String
    private var canvas: Canvas
    private var y = PDFReport.margin
    private var pageNumber = 1
    private let width = PDFReport.page.width - 2 * PDFReport.margin

    init(surface: CairoSurface, footer: String) {
        self.surface = surface
        self.footer = footer
        canvas = Canvas(surface: surface)
    }

    func title(_ text: String, subtitle: String) throws {
        canvas.text(text, PDFReport.margin, y + 20, size: 22, bold: true)
        canvas.text(canvas.fitted(subtitle, width: width, size: 10), PDFReport.margin, y + 38, size: 10, color: .muted)
        y += 52
    }

    /// A section heading, on a new page unless `keepWith` points fit below it.
    func heading(_ text: String, keepWith: Double) throws {
        try reserve(42 + keepWith)
        y += 14
        canvas.text(text, PDFReport.margin, y + 14, size: 15, bold: true)
        canvas.line(PDFReport.margin, y + 20, PDFReport.margin + width, y + 20, .selected, width: 1.5)
        y += 28
    }

    func text(_ text: String, bold: Bool = false) throws {
        try reserve(16)
        canvas.text(canvas.fitted(text, width: width, size: 10, bold: bold), PDFReport.margin, y + 11, size: 10, bold: bold)
        y += 16
    }

    func code(_ line: String) throws {
        try reserve(10.5)
        canvas.text(canvas.fitted(line, width: width, size: 8, monospaced: true), PDFReport.margin + 6, y + 8.5, size: 8, color: .muted, monospaced: true)
        y += 10.5
    }

    func table(_ rows: [[String]], columns: [Double], header: Bool = false, size: Double = 9.5) throws {
        let rowHeight = size + 7
        // A table that fits on one page is kept on one page.
        try reserve(min(rowHeight * Double(rows.count), PDFReport.page.height - 2 * PDFReport.margin - 20))
        for (index, row) in rows.enumerated() {
            try reserve(rowHeight)
            let isHeader = header && index == 0
            let numericColumns = header
            if isHeader { canvas.fill(Rect(x: PDFReport.margin, y: y, width: columns.reduce(0, +), height: rowHeight), Color(hex: 0xF0F0F0)) }
            var x = PDFReport.margin
            for (column, cell) in row.enumerated() where column < columns.count {
                let numeric = column > 0 && numericColumns
                let fitted = canvas.fitted(cell, width: columns[column] - 8, size: size, bold: isHeader)
                canvas.text(fitted, numeric ? x + columns[column] - 4 : x + 4, y + rowHeight - 5, size: size, bold: isHeader, align: numeric ? .end : .start)
                x += columns[column]
            }
            canvas.line(PDFReport.margin, y + rowHeight, PDFReport.margin + columns.reduce(0, +), y + rowHeight, .grid, width: 0.6)
            y += rowHeight
        }
        y += 8
    }

    /// Figures are scaled to the text width, or less where they would not fit under a heading.
    static func scale(_ figure: Figure) -> Double {
        let width = PDFReport.page.width - 2 * PDFReport.margin
        let height = PDFReport.page.height - 2 * PDFReport.margin - 60
        return min(width / figure.width, height / figure.height)
    }

    static func scaledHeight(_ figure: Figure) -> Double { figure.height * scale(figure) }

    func figure(_ figure: Figure) throws {
        let scale = Self.scale(figure)
        let height = Self.scaledHeight(figure)
        try reserve(height + 8)
        canvas.withSavedState {
            canvas.translate(PDFReport.margin, y)
            canvas.scale(scale)
            figure.draw(canvas, Rect(x: 0, y: 0, width: figure.width, height: figure.height))
        }
        y += height + 8
    }

    func grid(_ cells: [(Canvas, Rect) -> Void], cell: (width: Double, height: Double)) throws {
        y += 6
        let perRow = max(1, Int((width + 8) / (cell.width + 8)))
        for start in stride(from: 0, to: cells.count, by: perRow) {
            try reserve(cell.height + 8)
            for (offset, draw) in cells[start..<min(start + perRow, cells.count)].enumerated() {
                draw(canvas, Rect(x: PDFReport.margin + Double(offset) * (cell.width + 8), y: y, width: cell.width, height: cell.height))
            }
            y += cell.height + 8
        }
    }

    func finish() throws {
        try endPage()
        try surface.finish()
    }

    private func reserve(_ height: Double) throws {
        if y + height > PDFReport.page.height - PDFReport.margin {
            try endPage()
            canvas = Canvas(surface: surface)
            pageNumber += 1
            y = PDFReport.margin
        }
    }

    private func endPage() throws {
        canvas.text(footer, PDFReport.margin, PDFReport.page.height - 20, size: 8, color: .muted)
        canvas.text("page \(pageNumber)", PDFReport.margin + width, PDFReport.page.height - 20, size: 8, color: .muted, align: .end)
        try surface.showPage(canvas)
    }
}
