/// Before/after histogram: for each bin, the share of frames of each set, side by side,
/// with each set's mean as a dashed line.
struct HistogramPlot {
    struct Series {
        var name: String
        var color: Color
        var values: [Double]
    }

    var title: String
    var xLabel: String
    var series: [Series]
    /// Integer data (objects per frame) get one bin per integer.
    var integers: Bool
    var binCount = 20

    /// Bin edges covering every value of every series.
    var edges: [Double] {
        let all = series.flatMap(\.values).filter(\.isFinite)
        guard let low = all.min(), let high = all.max() else { return [0, 1] }
        if integers {
            let first = low.rounded(.down), last = high.rounded(.up)
            return stride(from: first - 0.5, through: last + 0.5, by: 1).map { $0 }
        }
        let width = high > low ? (high - low) / Double(binCount) : 1
        let start = high > low ? low : low - 0.5
        return (0...binCount).map { start + Double($0) * width }
    }

    /// Per series, the percentage of its values in each bin.
    func percentages(edges: [Double]) -> [[Double]] {
        series.map { series in
            var counts = [Double](repeating: 0, count: edges.count - 1)
            let finite = series.values.filter(\.isFinite)
            for value in finite {
                var index = 0
                while index < counts.count - 1, value >= edges[index + 1] { index += 1 }
                counts[index] += 1
            }
            return counts.map { finite.isEmpty ? 0 : 100 * $0 / Double(finite.count) }
        }
    }

    func draw(_ canvas: Canvas, in rect: Rect) {
        let edges = edges
        let shares = percentages(edges: edges)
        let plot = AxesFrame.plotArea(in: rect)
        let top = max(shares.flatMap { $0 }.max() ?? 0, 1) * 1.15
        let x = LinearScale(domain: (edges[0], edges[edges.count - 1]), range: (plot.x, plot.maxX))
        let y = LinearScale(domain: (0, top), range: (plot.maxY, plot.y))
        let xTicks = Ticks(low: edges[0], high: edges[edges.count - 1], count: integers ? 12 : 7, integers: integers)
        let yTicks = Ticks(low: 0, high: top, count: 6)
        AxesFrame(title: title, xLabel: xLabel, yLabel: "share of frames (%)").draw(
            canvas, rect: rect, plot: plot,
            x: x, xTicks: xTicks.values.map { ($0, xTicks.label($0)) },
            y: y, yTicks: yTicks.values.map { ($0, yTicks.label($0) ) }
        )
        let groupCount = Double(max(series.count, 1))
        for bin in 0..<(edges.count - 1) {
            let left = x(edges[bin]), right = x(edges[bin + 1])
            let barWidth = (right - left) * 0.84 / groupCount
            for (index, values) in shares.enumerated() where values[bin] > 0 {
                let barX = left + (right - left) * 0.08 + Double(index) * barWidth
                canvas.fill(Rect(x: barX, y: y(values[bin]), width: barWidth, height: plot.maxY - y(values[bin])), series[index].color)
            }
        }
        var legend: [(Legend.Mark, String)] = []
        for entry in series {
            guard let metrics = Metrics(entry.values) else {
                legend.append((.box(entry.color), "\(entry.name): none"))
                continue
            }
            let px = x(metrics.mean)
            canvas.line(px, plot.y, px, plot.maxY, entry.color.withAlpha(1), width: 1.6, dash: [5, 3])
            let mean = Ticks.format(metrics.mean, step: integers ? 0.01 : 0.001)
            legend.append((.box(entry.color), "\(entry.name) (n=\(metrics.count), mean \(mean))"))
        }
        Legend(entries: legend).draw(canvas, topRight: plot.maxX, plot.y + 2)
    }
}
