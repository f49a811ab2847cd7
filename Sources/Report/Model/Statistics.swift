/// Numbers derived from ``ReportData``: dataset sizes and distribution metrics, as in the
/// `Statistics` block of the Lightly Worker's `report.json`.
public struct Statistics: Sendable, Equatable, Encodable {
    public var datasetSizes: DatasetSizes
    /// Objects per frame in the input and in this run's selection.
    public var objectsPerFrame: DistributionPerSet
    /// Per score name, the frame scores in the input and in the selection.
    public var scores: [String: DistributionPerSet]
    /// Per video (in name order), counts and shares against the BALANCE target.
    public var videos: [VideoShare]

    enum CodingKeys: String, CodingKey {
        case datasetSizes = "dataset_sizes", objectsPerFrame = "objects_per_frame", scores, videos
    }

    public init(_ data: ReportData) {
        datasetSizes = DatasetSizes(data.frames)
        let selected = data.frames.filter { $0.status == .selected }
        objectsPerFrame = DistributionPerSet(
            input: Metrics(data.frames.map { Double($0.objects) }),
            selected: Metrics(selected.map { Double($0.objects) })
        )
        var scores: [String: DistributionPerSet] = [:]
        for name in Set(data.frames.flatMap(\.scores.keys)) {
            scores[name] = DistributionPerSet(
                input: Metrics(data.frames.compactMap { $0.scores[name] }),
                selected: Metrics(selected.compactMap { $0.scores[name] })
            )
        }
        self.scores = scores
        videos = VideoShare.shares(data.frames, target: data.videoTarget)
    }

    /// The score names in a stable order.
    public var scoreNames: [String] { scores.keys.sorted() }
}

/// How many frames went in and came out.
public struct DatasetSizes: Sendable, Equatable, Codable {
    public var input: Int
    public var selected: Int
    public var removed: Int
    /// Frames selected by earlier runs in the same datasource.
    public var datapool: Int
    public var selectedWithDatapool: Int
    public var inputObjects: Int
    public var selectedObjects: Int

    enum CodingKeys: String, CodingKey {
        case input = "n_input", selected = "n_selected", removed = "n_removed"
        case datapool = "n_preselected_datapool", selectedWithDatapool = "n_selected_with_datapool"
        case inputObjects = "n_input_objects", selectedObjects = "n_selected_objects"
    }

    init(_ frames: [FrameRecord]) {
        input = frames.count
        selected = frames.count { $0.status == .selected }
        removed = frames.count { $0.status == .removed }
        datapool = frames.count { $0.status == .datapool }
        selectedWithDatapool = selected + datapool
        inputObjects = frames.reduce(0) { $0 + $1.objects }
        selectedObjects = frames.filter { $0.status == .selected }.reduce(0) { $0 + $1.objects }
    }
}

/// One quantity's metrics before (input) and after (selected) selection.
public struct DistributionPerSet: Sendable, Equatable, Codable {
    public var input: Metrics?
    public var selected: Metrics?
}

/// `mean/std/min/median/max` of a sample; nil for an empty one. NaN values are left out.
public struct Metrics: Sendable, Equatable, Codable {
    public var count: Int
    public var mean: Double
    /// Population standard deviation.
    public var std: Double
    public var min: Double
    public var median: Double
    public var max: Double

    public init?(_ values: [Double]) {
        let sorted = values.filter { !$0.isNaN }.sorted()
        guard let first = sorted.first, let last = sorted.last else { return nil }
        count = sorted.count
        mean = sorted.reduce(0, +) / Double(count)
        let mean = mean
        std = (sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)).squareRoot()
        min = first
        max = last
        median = count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
    }
}

/// One video's frames in the input and the selection, against its BALANCE target.
public struct VideoShare: Sendable, Equatable, Codable {
    public var video: String
    public var input: Int
    public var selected: Int
    public var datapool: Int
    /// Share of this run's selected frames (0…1).
    public var selectedShare: Double
    public var inputShare: Double
    public var target: Double?

    static func shares(_ frames: [FrameRecord], target: [String: Double]?) -> [VideoShare] {
        let videos = Set(frames.map(\.video)).union(target?.keys ?? [:].keys).sorted()
        let totalSelected = frames.count { $0.status == .selected }
        return videos.map { video in
            let own = frames.filter { $0.video == video }
            let selected = own.count { $0.status == .selected }
            return VideoShare(
                video: video, input: own.count, selected: selected, datapool: own.count { $0.status == .datapool },
                selectedShare: totalSelected == 0 ? 0 : Double(selected) / Double(totalSelected),
                inputShare: frames.isEmpty ? 0 : Double(own.count) / Double(frames.count),
                target: target?[video]
            )
        }
    }
}
