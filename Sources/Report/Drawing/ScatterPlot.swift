/// The 2-D embedding view: points coloured by score (viridis, with a colour bar), the
/// selected ones drawn larger with a dark ring on top of the others.
struct ScatterPlot {
    var title: String
    var xLabel: String
    var yLabel: String
    var scoreName: String
    var points: [EmbeddingPoint]

    func draw(_ canvas: Canvas, in rect: Rect) {
        let area = AxesFrame.plotArea(in: rect, rightMargin: 86).inset(top: 20)
        let xs = points.map(\.x), ys = points.map(\.y)
        let (xLow, xHigh) = Self.padded(xs.min() ?? 0, xs.max() ?? 1)
        let (yLow, yHigh) = Self.padded(ys.min() ?? 0, ys.max() ?? 1)
        let x = LinearScale(domain: (xLow, xHigh), range: (area.x, area.maxX))
        let y = LinearScale(domain: (yLow, yHigh), range: (area.maxY, area.y))
        let xTicks = Ticks(low: xLow, high: xHigh), yTicks = Ticks(low: yLow, high: yHigh)
        AxesFrame(title: title, xLabel: xLabel, yLabel: yLabel).draw(
            canvas, rect: rect, plot: area,
            x: x, xTicks: xTicks.values.map { ($0, xTicks.label($0)) },
            y: y, yTicks: yTicks.values.map { ($0, yTicks.label($0)) }, verticalGrid: true
        )
        let scores = points.map(\.score).filter(\.isFinite)
        let low = scores.min() ?? 0, high = scores.max() ?? 1
        let colour = { (score: Double) in Color.viridis(high > low ? (score - low) / (high - low) : 0.5) }
        canvas.withSavedState {
            canvas.clip(to: area)
            for point in points where !point.selected {
                canvas.circle(x(point.x), y(point.y), radius: 2.6, fill: colour(point.score).withAlpha(0.75))
            }
            for point in points where point.selected {
                canvas.circle(x(point.x), y(point.y), radius: 4.8, fill: colour(point.score), stroke: .ink, width: 1.3)
            }
        }
        drawColourBar(canvas, Rect(x: area.maxX + 18, y: area.y, width: 14, height: area.height), low: low, high: high)
        Legend(entries: [(.dot(.muted, ring: true), "selected"), (.dot(.muted, ring: false), "not selected")])
            .draw(canvas, topRight: area.maxX, area.y - 20)
    }

    private func drawColourBar(_ canvas: Canvas, _ bar: Rect, low: Double, high: Double) {
        let steps = 64
        for step in 0..<steps {
            let t = Double(step) / Double(steps - 1)
            let stripe = Rect(x: bar.x, y: bar.maxY - bar.height * Double(step + 1) / Double(steps), width: bar.width, height: bar.height / Double(steps) + 0.5)
            canvas.fill(stripe, .viridis(t))
        }
        canvas.stroke(bar, .muted, width: 0.6)
        let ticks = Ticks(low: low, high: high, count: 5)
        let scale = LinearScale(domain: (low, high), range: (bar.maxY, bar.y))
        for value in ticks.values {
            canvas.line(bar.maxX, scale(value), bar.maxX + 3, scale(value), .muted, width: 0.8)
            canvas.text(ticks.label(value), bar.maxX + 5, scale(value) + 3.3, size: AxesFrame.tickSize, color: .muted)
        }
        canvas.text(
            canvas.fitted(scoreName, width: bar.height, size: AxesFrame.tickSize), bar.x - 4, bar.y + bar.height / 2,
            size: AxesFrame.tickSize, align: .middle, rotation: -Double.pi / 2
        )
    }

    private static func padded(_ low: Double, _ high: Double) -> (Double, Double) {
        let span = high > low ? high - low : 1
        return (low - span * 0.05, high + span * 0.05)
    }
}
