// The things the greedy picks: single frames, or with selected_sequence_length L > 1, runs of L
// consecutive frames of one video (docs/selection.md, "Sequences"). A trailing run shorter than L is not a candidate.
struct SelectionUnits {
    /// Frame indices of each unit.
    var frames: [[Int]]
    /// A unit with a datapool frame counts as selected before the run.
    var isDatapool: [Bool]
    /// Frames left out because their video's last run was shorter than L.
    var droppedFrames: Int

    var count: Int { frames.count }

    init(frames inputFrames: [Frame], length: Int) {
        if length == 1 {
            frames = inputFrames.indices.map { [$0] }
            isDatapool = inputFrames.map(\.isInDatapool)
            droppedFrames = 0
            return
        }
        var videoOrder: [String] = []
        var framesByVideo: [String: [Int]] = [:]
        for (index, frame) in inputFrames.enumerated() {
            // Images (no video) form runs among themselves, in input order.
            let video = frame.video ?? ""
            if framesByVideo[video] == nil { videoOrder.append(video) }
            framesByVideo[video, default: []].append(index)
        }
        var units: [[Int]] = []
        var dropped = 0
        for video in videoOrder {
            let indices = framesByVideo[video] ?? []
            var start = 0
            while start + length <= indices.count {
                units.append(Array(indices[start ..< start + length]))
                start += length
            }
            dropped += indices.count - start
        }
        frames = units
        isDatapool = units.map { $0.contains { inputFrames[$0].isInDatapool } }
        droppedFrames = dropped
    }

    /// The mean of a per-frame value over each unit's frames.
    func means(of values: [Double]) -> [Double] {
        frames.map { indices in
            indices.count == 1 ? values[indices[0]] : indices.reduce(0) { $0 + values[$1] } / Double(indices.count)
        }
    }
}
