/// One plot of the report, drawn by the same code into the HTML (as SVG) and the PDF.
struct Figure {
    var id: String
    /// Alt text and caption.
    var caption: String
    var width: Double
    var height: Double
    /// Whether the PDF may draw it shorter than `height` (a histogram may; bars need their room).
    var compressible = true
    var draw: (Canvas, Rect) -> Void
}

/// The report's sections in order; the HTML and the PDF share the ids and titles.
enum ReportSection: String, CaseIterable {
    case run, sizes, rounds, stages, objects, scores, videos, embedding, frames, gallery

    var title: String {
        switch self {
        case .run: "Run information"
        case .sizes: "Dataset sizes"
        case .rounds: "Rounds: labels and models"
        case .stages: "Processing time per stage"
        case .objects: "Objects per frame"
        case .scores: "Active-learning scores"
        case .videos: "Videos against the balance target"
        case .embedding: "Embedding view"
        case .frames: "Selected frames"
        case .gallery: "Selected crops"
        }
    }

    /// The sections `data` has something for: the rounds only after a first labelled round.
    static func shown(in data: ReportData) -> [ReportSection] {
        allCases.filter { $0 != .rounds || !data.rounds.isEmpty }
    }
}

/// Builds the figures of a report from its data.
struct ReportFigures {
    let data: ReportData
    let statistics: Statistics

    init(_ data: ReportData) {
        self.data = data
        statistics = data.statistics
    }

    static let width = 720.0

    /// The time chart; nil unless every step has a measured time.
    var stageTimes: Figure? {
        let seconds = data.stages.compactMap(\.seconds)
        guard !data.stages.isEmpty, seconds.count == data.stages.count else { return nil }
        let chart = BarChart(
            title: "Processing time per stage", valueLabel: "wall time (seconds)", categoryLabel: "selection step",
            categories: data.stages.map(\.name),
            series: [BarChart.Series(name: "time (s)", color: .input, values: seconds)]
        )
        return Figure(
            id: "stage-times", caption: "Processing time per stage, in seconds", width: Self.width,
            height: BarChart.preferredHeight(categories: data.stages.count, series: 1), compressible: false, draw: chart.draw
        )
    }

    var objectsPerFrame: Figure {
        let plot = HistogramPlot(
            title: "Objects per frame before and after selection", xLabel: "objects in the frame",
            series: [
                .init(name: "input", color: .input, values: data.frames.map { Double($0.objects) }),
                .init(name: "selected", color: .selected, values: selected.map { Double($0.objects) }),
            ],
            integers: true
        )
        return Figure(
            id: "objects-per-frame", caption: "Share of frames by number of objects, input against selected (dashed: means)",
            width: Self.width, height: 340, draw: plot.draw
        )
    }

    var scoreDistributions: [Figure] {
        statistics.scoreNames.map { name in
            let plot = HistogramPlot(
                title: "Distribution of \(name)", xLabel: name,
                series: [
                    .init(name: "input", color: .input, values: data.frames.compactMap { $0.scores[name] }),
                    .init(name: "selected", color: .selected, values: selected.compactMap { $0.scores[name] }),
                ],
                integers: false
            )
            return Figure(
                id: "score-\(name)", caption: "Distribution of the \(name) score, input against selected (dashed: means)",
                width: Self.width, height: 320, draw: plot.draw
            )
        }
    }

    var videoShares: Figure? {
        let videos = statistics.videos
        guard !videos.isEmpty else { return nil }
        let chart = BarChart(
            title: "Share of frames per video", valueLabel: "share of frames (%)", categoryLabel: "video",
            categories: videos.map(\.video),
            series: [
                .init(name: "input", color: .input, values: videos.map { 100 * $0.inputShare }),
                .init(name: "selected", color: .selected, values: videos.map { 100 * $0.selectedShare }),
            ],
            markers: videos.map { $0.target.map { 100 * $0 } }, markerName: "balance target"
        )
        return Figure(
            id: "video-shares", caption: "Each video's share of the input and of the selected frames, with the balance target",
            width: Self.width, height: BarChart.preferredHeight(categories: videos.count, series: 2), compressible: false, draw: chart.draw
        )
    }

    var embedding: Figure? {
        guard let view = data.embedding, !view.points.isEmpty else { return nil }
        let axis = { (index: Int) in
            let share = index < view.explainedVariance.count ? view.explainedVariance[index] : 0
            return "\(view.method.uppercased()) \(index + 1) (\(Ticks.format(100 * share, step: 0.1))% of variance)"
        }
        let plot = ScatterPlot(
            title: "Embeddings of the \(view.level.rawValue)",
            xLabel: axis(0), yLabel: axis(1), scoreName: view.scoreName, points: view.points
        )
        return Figure(
            id: "embedding", caption: "\(view.method.uppercased()) of the \(view.level.rawValue) embeddings; dark is a low \(view.scoreName), bright a high one; ringed points are selected",
            width: Self.width, height: 480, draw: plot.draw
        )
    }

    private var selected: [FrameRecord] { data.frames.filter { $0.status == .selected } }
}
