import Foundation

/// The PDF report: A4 landscape pages drawn with cairo, the same sections and figures as the HTML.
///
/// Blocks flow left to right and top to bottom: plots take half the text width (drawn at that
/// size, so their text keeps its size), two to a row; a plot that nearly fits the rest of a page is
/// drawn a little shorter rather than moved to the next page, so pages are not left mostly empty.
struct PDFReport {
    let data: ReportData
    let figures: ReportFigures
    let frames: [FrameThumbnail]
    let crops: [CropTile]

    static let page = (width: 842.0, height: 595.0)
    static let margin = 36.0
    static let crop = (width: 100.0, height: 140.0)

    func write(to url: URL) throws {
        let surface = try CairoSurface.pdf(at: url, width: Self.page.width, height: Self.page.height)
        // Without a date cairo writes the current time, and the file would differ on every run.
        surface.setPDFMetadata(title: "Selection report \(data.run.runId)", date: data.run.created ?? "1970-01-01T00:00:00Z")
        let layout = PageLayout(surface: surface, footer: "Selection report · run \(data.run.runId)")
        try layout.title("Selection report", subtitle: HTMLReport.subtitle(data.run))
        for section in ReportSection.shown(in: data) {
            try layout.heading(section.title, keepWith: firstBlockHeight(section))
            try body(of: section, layout)
        }
        try layout.finish()
    }

    private func body(of section: ReportSection, _ layout: PageLayout) throws {
        let statistics = figures.statistics
        switch section {
        case .run:
            try layout.table(ReportTables.run(data.run).map { [$0.0, $0.1] }, columns: [150, 600])
            try layout.text("Selection config", bold: true)
            for line in try ReportTables.compactConfig(data.run.selectionConfig, width: 150) { try layout.code(line) }
        case .sizes:
            try layout.table([ReportTables.sizesHeader] + ReportTables.sizes(statistics.datasetSizes), columns: [180, 90, 90], header: true)
        case .rounds:
            try layout.text(ReportTables.roundsNote)
            try layout.table([ReportTables.roundsHeader] + ReportTables.rounds(data.rounds), columns: [60, 70, 90, 80, 80], header: true)
            for warning in ReportTables.roundWarnings(data.rounds) { try layout.text(warning, bold: true) }
        case .stages:
            guard !data.stages.isEmpty else { return try layout.text("No steps recorded in this run.") }
            let timed = figures.stageTimes
            // The sentences go above the table, so that the time chart fits beside it.
            for step in data.stages { if let detail = step.detail { try layout.text("\(step.name): \(detail)") } }
            try layout.table(
                [Array(ReportTables.stagesHeader(timed: timed != nil).dropLast())]
                    + ReportTables.stages(data.stages, timed: timed != nil).map { Array($0.dropLast()) },
                columns: timed == nil ? [130, 75, 75, 60] : [130, 75, 75, 60, 60], header: true)
            if let timed { try layout.figure(timed) }
        case .objects:
            try layout.metrics([("objects per frame", statistics.objectsPerFrame)])
            try layout.figure(figures.objectsPerFrame)
        case .scores:
            guard !statistics.scoreNames.isEmpty else { return try layout.text("No active-learning scores in this run.") }
            try layout.metrics(statistics.scoreNames.compactMap { name in statistics.scores[name].map { (name, $0) } })
            for figure in figures.scoreDistributions { try layout.figure(figure) }
        case .videos:
            guard let figure = figures.videoShares else { return try layout.text("No videos in this run.") }
            try layout.table([ReportTables.videosHeader] + ReportTables.videos(statistics.videos), columns: [130, 45, 50, 50, 75, 50], header: true, size: 8)
            try layout.figure(figure)
        case .embedding:
            guard let figure = figures.embedding else { return try layout.text("No embeddings in this run.") }
            try layout.figure(figure)
        case .frames:
            guard !frames.isEmpty else { return try layout.text("No selected frames in this run.") }
            try layout.text(ReportTables.framesNote(shown: frames.count, of: data.selectedFrames.count))
            for frame in frames {
                try layout.block(width: FrameThumbnail.size.width, height: FrameThumbnail.size.height) { canvas, rect in
                    canvas.image(frame.image, fitting: rect)
                }
            }
        case .gallery:
            guard !crops.isEmpty else { return try layout.text("No crops in this run.") }
            try layout.text(ReportTables.cropsNote(shown: crops.count, of: data.gallery.count))
            for tile in crops {
                try layout.block(width: Self.crop.width, height: Self.crop.height) { canvas, rect in tile.draw(canvas, in: rect) }
            }
        }
    }
}

extension PDFReport {
    /// The height of what follows a section's heading at first, so that a heading never ends a
    /// page alone: a plot (as short as it may shrink), a picture row with its note, a table's first rows.
    private func firstBlockHeight(_ section: ReportSection) -> Double {
        let figure: Figure? = switch section {
        case .objects: figures.objectsPerFrame
        case .scores: figures.scoreDistributions.first
        case .videos: figures.videoShares
        case .embedding: figures.embedding
        default: nil
        }
        if let figure { return (figure.compressible ? 0.7 : 1) * PageLayout.figureHeight(figure) }
        switch section {
        case .frames: return frames.isEmpty ? 15 : 30 + FrameThumbnail.size.height
        case .gallery: return crops.isEmpty ? 15 : 15 + Self.crop.height
        default: return 60
        }
    }
}

/// Places blocks on the report's pages: left to right in rows, rows top to bottom, starting a new
/// page when a block does not fit.
final class PageLayout {
    private let surface: CairoSurface
    private let footer: String
    private var canvas: Canvas
    private var pageNumber = 1
    private let width = PDFReport.page.width - 2 * PDFReport.margin
    private let bottom = PDFReport.page.height - PDFReport.margin - 14
    private let gap = 10.0
    /// The top of the current row, and how far it is filled.
    private var y = PDFReport.margin
    private var rowWidth = 0.0
    private var rowHeight = 0.0

    init(surface: CairoSurface, footer: String) {
        self.surface = surface
        self.footer = footer
        canvas = Canvas(surface: surface)
    }

    func title(_ text: String, subtitle: String) throws {
        canvas.text(text, PDFReport.margin, y + 20, size: 22, bold: true)
        canvas.text(canvas.fitted(subtitle, width: width, size: 10), PDFReport.margin, y + 36, size: 10, color: .muted)
        y += 44
    }

    /// A section heading, on a new page unless it and `keepWith` points fit below it.
    func heading(_ text: String, keepWith: Double) throws {
        endRow()
        try reserve(28 + keepWith)
        y += 8
        canvas.text(text, PDFReport.margin, y + 13, size: 14, bold: true)
        canvas.line(PDFReport.margin, y + 18, PDFReport.margin + width, y + 18, .selected, width: 1.5)
        y += 24
    }

    /// A paragraph, wrapped at words to the text width.
    func text(_ text: String, bold: Bool = false) throws {
        endRow()
        var line = ""
        for word in text.split(separator: " ") {
            let longer = line.isEmpty ? String(word) : line + " " + word
            if !line.isEmpty, canvas.textWidth(longer, size: 9.5, bold: bold) > width {
                try textLine(line, bold: bold)
                line = String(word)
            } else {
                line = longer
            }
        }
        try textLine(line, bold: bold)
    }

    private func textLine(_ line: String, bold: Bool) throws {
        try reserve(15)
        canvas.text(canvas.fitted(line, width: width, size: 9.5, bold: bold), PDFReport.margin, y + 11, size: 9.5, bold: bold)
        y += 15
    }

    func code(_ line: String) throws {
        endRow()
        try reserve(10)
        canvas.text(canvas.fitted(line, width: width, size: 8, monospaced: true), PDFReport.margin + 6, y + 8, size: 8, color: .muted, monospaced: true)
        y += 10
    }

    /// Rows of cells; with a `header`, the first row is one and the columns not in `textColumns`
    /// are numbers (right-aligned). A table that fits on a page is a block of the row (a plot may
    /// stand beside it); a longer one runs on over pages.
    func table(_ rows: [[String]], columns: [Double], header: Bool = false, textColumns: Set<Int> = [0], size: Double = 9) throws {
        let rowHeight = size + 6
        let tableWidth = columns.reduce(0, +)
        let draw = { (index: Int, row: [String], x: Double, y: Double) in
            let isHeader = header && index == 0
            if isHeader { self.canvas.fill(Rect(x: x, y: y, width: tableWidth, height: rowHeight), Color(hex: 0xF0F0F0)) }
            var left = x
            for (column, cell) in row.enumerated() where column < columns.count {
                let numeric = header && !textColumns.contains(column)
                let fitted = self.canvas.fitted(cell, width: columns[column] - 8, size: size, bold: isHeader)
                self.canvas.text(fitted, numeric ? left + columns[column] - 4 : left + 4, y + rowHeight - 4.5, size: size, bold: isHeader, align: numeric ? .end : .start)
                left += columns[column]
            }
            self.canvas.line(x, y + rowHeight, x + tableWidth, y + rowHeight, .grid, width: 0.6)
        }
        let height = rowHeight * Double(rows.count)
        if height <= bottom - PDFReport.margin {
            try block(width: tableWidth, height: height) { _, rect in
                for (index, row) in rows.enumerated() { draw(index, row, rect.x, rect.y + Double(index) * rowHeight) }
            }
            return
        }
        endRow()
        for (index, row) in rows.enumerated() {
            try reserve(rowHeight)
            draw(index, row, PDFReport.margin, y)
            y += rowHeight
        }
        y += gap
    }

    func metrics(_ rows: [(String, DistributionPerSet)]) throws {
        try table([ReportTables.metricsHeader] + ReportTables.metrics(rows), columns: [130, 50, 30, 40, 40, 40, 40, 40], header: true, size: 8)
    }

    /// A plot at half the text width, or in the rest of the row when that is at least 300 points;
    /// its height is scaled less than its width (its text keeps its size).
    func figure(_ figure: Figure) throws {
        let rest = width - rowWidth - gap
        let figureWidth = rowWidth > 0 && rest >= 300 && rest < (width - gap) / 2 ? rest : (width - gap) / 2
        try block(width: figureWidth, height: Self.figureHeight(figure), shrinkTo: figure.compressible ? 0.7 : 1) { canvas, rect in
            canvas.withSavedState {
                canvas.clip(to: rect)
                figure.draw(canvas, rect)
            }
        }
    }

    /// A plot's height on the page: its own, scaled less than its width, and at most a page.
    static func figureHeight(_ figure: Figure) -> Double {
        min(max(figure.height * (figure.compressible ? 0.6 : 1), 180), PDFReport.page.height - 2 * PDFReport.margin - 14)
    }

    /// Places a block in the current row, else in a new row, else on a new page. A block that may
    /// shrink (`shrinkTo` < 1) takes the rest of the page when that is at least that share of its height.
    func block(width blockWidth: Double, height: Double, shrinkTo: Double = 1, _ draw: (Canvas, Rect) -> Void) throws {
        if rowWidth > 0, rowWidth + gap + blockWidth > width { endRow() }
        var height = height
        if y + height > bottom, height * shrinkTo > bottom - y {
            endRow()
            if y + height > bottom, height * shrinkTo <= bottom - y { height = bottom - y } else { try reserve(height) }
        } else if y + height > bottom {
            height = bottom - y
        }
        let x = PDFReport.margin + (rowWidth > 0 ? rowWidth + gap : 0)
        draw(canvas, Rect(x: x, y: y, width: blockWidth, height: height))
        rowWidth = x - PDFReport.margin + blockWidth
        rowHeight = max(rowHeight, height)
    }

    func finish() throws {
        endRow()
        try endPage()
        try surface.finish()
    }

    private func endRow() {
        guard rowWidth > 0 else { return }
        y += rowHeight + gap
        rowWidth = 0
        rowHeight = 0
    }

    private func reserve(_ height: Double) throws {
        if y + height > bottom {
            try endPage()
            canvas = Canvas(surface: surface)
            pageNumber += 1
            y = PDFReport.margin
        }
    }

    private func endPage() throws {
        canvas.text(footer, PDFReport.margin, PDFReport.page.height - 18, size: 8, color: .muted)
        canvas.text("page \(pageNumber)", PDFReport.margin + width, PDFReport.page.height - 18, size: 8, color: .muted, align: .end)
        try surface.showPage(canvas)
    }
}
