import Foundation

/// A linear map from data values to page coordinates.
struct LinearScale {
    var domain: (low: Double, high: Double)
    var range: (low: Double, high: Double)

    init(domain: (Double, Double), range: (Double, Double)) {
        // A degenerate domain (one value) is widened so that it still maps somewhere sensible.
        let (low, high) = domain
        self.domain = high > low ? (low, high) : (low - 0.5, low + 0.5)
        self.range = range
    }

    func callAsFunction(_ value: Double) -> Double {
        range.low + (value - domain.low) / (domain.high - domain.low) * (range.high - range.low)
    }
}

/// Round tick values ("nice numbers": steps of 1, 2, 2.5 or 5 times a power of ten).
struct Ticks {
    let values: [Double]
    let step: Double

    init(low: Double, high: Double, count: Int = 6, integers: Bool = false) {
        let span = high > low ? high - low : 1
        let rough = span / Double(max(count - 1, 1))
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let finalStep = integers ? max(1, step.rounded(.up)) : step
        let first = (low / finalStep).rounded(.up) * finalStep
        var values: [Double] = []
        var value = first
        while value <= high + finalStep * 1e-9, values.count < 50 {
            values.append(abs(value) < finalStep * 1e-9 ? 0 : value)
            value += finalStep
        }
        self.values = values
        self.step = finalStep
    }

    func label(_ value: Double) -> String {
        Self.format(value, step: step)
    }

    /// As many decimals as the step needs (0.25 → 2, 5 → 0).
    static func format(_ value: Double, step: Double) -> String {
        var decimals = 0
        var scaled = step
        while decimals < 6, abs(scaled.rounded() - scaled) > 1e-9 * max(1, abs(scaled)) {
            decimals += 1
            scaled *= 10
        }
        return String(format: "%.\(decimals)f", value)
    }
}

/// Draws a plot's frame: title, grid, tick labels and axis titles around `plot`.
struct AxesFrame {
    var title: String
    var xLabel: String
    var yLabel: String

    static let titleSize = 13.0
    static let labelSize = 11.0
    static let tickSize = 9.5

    /// The plotting area left inside `rect` once room is made for the title, ticks and labels.
    static func plotArea(in rect: Rect, leftMargin: Double = 58, bottomMargin: Double = 44, rightMargin: Double = 16) -> Rect {
        rect.inset(top: 30, left: leftMargin, bottom: bottomMargin, right: rightMargin)
    }

    func drawTitle(_ canvas: Canvas, in rect: Rect) {
        canvas.text(canvas.fitted(title, width: rect.width - 8, size: Self.titleSize, bold: true), rect.x + rect.width / 2, rect.y + 17, size: Self.titleSize, bold: true, align: .middle)
    }

    /// Horizontal grid lines and labels at `yTicks`; vertical tick labels at `xTicks` (or custom labels).
    func draw(
        _ canvas: Canvas, rect: Rect, plot: Rect,
        x: LinearScale, xTicks: [(Double, String)], y: LinearScale, yTicks: [(Double, String)],
        verticalGrid: Bool = false
    ) {
        drawTitle(canvas, in: rect)
        for (value, label) in yTicks {
            let py = y(value)
            canvas.line(plot.x, py, plot.maxX, py, .grid, width: 0.8)
            canvas.text(label, plot.x - 6, py + Self.tickSize * 0.35, size: Self.tickSize, color: .muted, align: .end)
        }
        for (value, label) in xTicks {
            let px = x(value)
            if verticalGrid { canvas.line(px, plot.y, px, plot.maxY, .grid, width: 0.8) }
            canvas.line(px, plot.maxY, px, plot.maxY + 4, .muted, width: 0.8)
            canvas.text(label, px, plot.maxY + 6 + Self.tickSize, size: Self.tickSize, color: .muted, align: .middle)
        }
        canvas.line(plot.x, plot.maxY, plot.maxX, plot.maxY, .ink, width: 1)
        canvas.line(plot.x, plot.y, plot.x, plot.maxY, .ink, width: 1)
        canvas.text(xLabel, plot.x + plot.width / 2, rect.maxY - 8, size: Self.labelSize, align: .middle)
        canvas.text(yLabel, rect.x + 14, plot.y + plot.height / 2, size: Self.labelSize, align: .middle, rotation: -Double.pi / 2)
    }
}

/// A row of coloured swatches with labels, drawn right-aligned at the top of a plot area.
struct Legend {
    enum Mark { case box(Color), dot(Color, ring: Bool), line(Color, dashed: Bool) }
    var entries: [(Mark, String)]

    func draw(_ canvas: Canvas, topRight x: Double, _ y: Double) {
        let size = 9.5
        let widths = entries.map { canvas.textWidth($0.1, size: size) + 26 }
        let total = widths.reduce(0, +) + 10
        canvas.fill(Rect(x: x - total, y: y, width: total, height: 18), Color.white.withAlpha(0.85))
        var cursor = x - total + 6
        for ((mark, label), width) in zip(entries, widths) {
            switch mark {
            case .box(let color): canvas.fill(Rect(x: cursor, y: y + 4, width: 12, height: 10), color)
            case .dot(let color, let ring):
                canvas.circle(cursor + 6, y + 9, radius: ring ? 4.5 : 2.5, fill: color, stroke: ring ? .ink : nil, width: 1.2)
            case .line(let color, let dashed):
                canvas.line(cursor, y + 9, cursor + 14, y + 9, color, width: 2, dash: dashed ? [4, 2] : [])
            }
            canvas.text(label, cursor + 17, y + 13, size: size)
            cursor += width
        }
    }
}
