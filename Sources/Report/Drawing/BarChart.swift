/// Horizontal grouped bars, one group per category (long names fit on the left), with an
/// optional marker per category (the BALANCE target).
struct BarChart {
    struct Series {
        var name: String
        var color: Color
        var values: [Double]
    }

    var title: String
    var valueLabel: String
    /// What the categories are (`video`), written along the left edge.
    var categoryLabel: String
    var categories: [String]
    var series: [Series]
    /// Per category, a value drawn as a vertical black tick across its group (nil: none).
    var markers: [Double?] = []
    var markerName = "target"

    /// A height that gives each group room for its bars.
    static func preferredHeight(categories: Int, series: Int) -> Double {
        100 + Double(max(categories, 1)) * max(24, Double(series) * 12 + 8)
    }

    func draw(_ canvas: Canvas, in rect: Rect) {
        let labelWidth = min(rect.width * 0.32, (categories.map { canvas.textWidth($0, size: AxesFrame.tickSize) }.max() ?? 0) + 12)
        let plot = AxesFrame.plotArea(in: rect, leftMargin: labelWidth + 30, bottomMargin: 44, rightMargin: 24).inset(top: 22)
        let top = max((series.flatMap(\.values) + markers.compactMap { $0 }).max() ?? 0, 1e-9) * 1.1
        let x = LinearScale(domain: (0, top), range: (plot.x, plot.maxX))
        let ticks = Ticks(low: 0, high: top, count: 6)
        let frame = AxesFrame(title: title, xLabel: valueLabel, yLabel: categoryLabel)
        frame.drawTitle(canvas, in: rect)
        canvas.text(categoryLabel, rect.x + 14, plot.y + plot.height / 2, size: AxesFrame.labelSize, align: .middle, rotation: -Double.pi / 2)
        for value in ticks.values {
            canvas.line(x(value), plot.y, x(value), plot.maxY, .grid, width: 0.8)
            canvas.text(ticks.label(value), x(value), plot.maxY + 6 + AxesFrame.tickSize, size: AxesFrame.tickSize, color: .muted, align: .middle)
        }
        canvas.text(valueLabel, plot.x + plot.width / 2, rect.maxY - 8, size: AxesFrame.labelSize, align: .middle)
        let groupHeight = plot.height / Double(max(categories.count, 1))
        let barHeight = groupHeight * 0.8 / Double(max(series.count, 1))
        for (row, category) in categories.enumerated() {
            let groupTop = plot.y + Double(row) * groupHeight
            canvas.text(
                canvas.fitted(category, width: labelWidth, size: AxesFrame.tickSize), plot.x - 6,
                groupTop + groupHeight / 2 + AxesFrame.tickSize * 0.35, size: AxesFrame.tickSize, align: .end
            )
            for (index, entry) in series.enumerated() where row < entry.values.count {
                let barY = groupTop + groupHeight * 0.1 + Double(index) * barHeight
                canvas.fill(Rect(x: plot.x, y: barY, width: x(entry.values[row]) - plot.x, height: barHeight * 0.92), entry.color)
            }
            if row < markers.count, let marker = markers[row] {
                canvas.line(x(marker), groupTop + 2, x(marker), groupTop + groupHeight - 2, .target, width: 2.2)
            }
        }
        canvas.line(plot.x, plot.y, plot.x, plot.maxY, .ink)
        canvas.line(plot.x, plot.maxY, plot.maxX, plot.maxY, .ink)
        var legend = series.map { (Legend.Mark.box($0.color), $0.name) }
        if markers.contains(where: { $0 != nil }) { legend.append((.line(.target, dashed: false), markerName)) }
        Legend(entries: legend).draw(canvas, topRight: plot.maxX, plot.y - 22)
    }
}
