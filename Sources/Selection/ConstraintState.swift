// selection_config.constraints during one greedy run. Per video it keeps the candidates' frame
// indices and this run's picks, and how many more frames the video can still take ("room": the
// most frames that keep min_frame_gap to each other and to the picks, capped by per_video_max;
// taking the earliest fitting frame first finds it, as for any minimum gap on a line).
//
// A unit may be picked only when every constraint can still be met afterwards: its video is under
// per_video_max, it keeps the gap to the video's picks, the picks left cover the videos still
// under per_video_min, its video keeps room for its own minimum, and the videos together keep room
// for the count. So the constraints hold exactly at the end, and the count is reached whenever the
// check at the start passed (other stopping conditions may still end the run earlier).
final class ConstraintState {
    let minimum: Int
    let maximum: Int
    let gap: Int
    let videoNames: [String]
    /// Per unit (frame), its video's position in `videoNames` and its frame index.
    private let videoOfUnit: [Int]
    private let indexOfUnit: [Int]
    /// Per video, the frame indices of candidates still available, ascending.
    private var available: [[Int]]
    /// Per video, the frame indices of this run's picks, ascending.
    private(set) var picked: [[Int]]
    private var room: [Int]
    private var totalRoom: Int
    /// Picks still to make; nil without a count to reach.
    private var picksLeft: Int?
    /// Σ over videos of the picks still missing for per_video_min.
    private var shortfall: Int

    /// - Throws: ``SelectionError`` (`configMismatch`) naming the constraint that cannot hold.
    init(_ constraints: SelectionConstraints, frames: [Frame], candidates: [Int], count: Int?) throws {
        minimum = constraints.perVideoMin ?? 0
        maximum = constraints.perVideoMax ?? .max
        gap = constraints.minFrameGap ?? 1
        // Videos in the order of their first candidate: only videos with candidates take part.
        var videos: [String: Int] = [:], names: [String] = [], lists: [[Int]] = []
        var positions: [String: Int] = [:]
        var indexOfUnit = [Int](repeating: -1, count: frames.count)
        for (unit, frame) in frames.enumerated() {
            let position = positions[frame.video ?? "", default: 0]
            positions[frame.video ?? ""] = position + 1
            indexOfUnit[unit] = frame.index ?? position
        }
        var videoOfUnit = [Int](repeating: -1, count: frames.count)
        for unit in candidates {
            let name = frames[unit].video ?? ""
            let video = videos[name] ?? names.count
            if video == names.count { videos[name] = video; names.append(name); lists.append([]) }
            videoOfUnit[unit] = video
            lists[video].append(indexOfUnit[unit])
        }
        self.videoOfUnit = videoOfUnit
        self.indexOfUnit = indexOfUnit
        videoNames = names
        available = lists.map { $0.sorted() }
        picked = names.map { _ in [] }
        room = []
        totalRoom = 0
        picksLeft = count
        shortfall = minimum * names.count
        room = available.indices.map { placeable(in: $0, adding: nil) }
        totalRoom = room.reduce(0, +)
        try checkFeasible(count: count)
    }

    private func checkFeasible(count: Int?) throws {
        let gapText = gap > 1 ? " with min_frame_gap \(gap)" : ""
        for (video, name) in videoNames.enumerated() where room[video] < minimum {
            throw SelectionError(
                .configMismatch, at: .config(["constraints", "per_video_min"]),
                "video '\(name)' has \(available[video].count) candidate frames, of which at most \(room[video]) can be selected\(gapText); per_video_min asks for \(minimum)")
        }
        guard let count else { return }
        if shortfall > count {
            throw SelectionError(
                .configMismatch, at: .config(["constraints", "per_video_min"]),
                "\(videoNames.count) videos × \(minimum) = \(shortfall) frames, more than the \(count) to select")
        }
        if totalRoom < count {
            let limits = [maximum < .max ? "per_video_max \(maximum)" : nil, gap > 1 ? "min_frame_gap \(gap)" : nil].compactMap { $0 }
            throw SelectionError(
                .configMismatch, at: .config(["constraints", .key(maximum < .max ? "per_video_max" : "min_frame_gap")]),
                "at most \(totalRoom) frames can be selected under \(limits.joined(separator: " and ")); the selection asks for \(count)")
        }
    }

    /// Whether picking the unit keeps every constraint satisfiable.
    func allows(_ unit: Int) -> Bool {
        let video = videoOfUnit[unit], index = indexOfUnit[unit]
        let count = picked[video].count
        guard count < maximum, !conflicts(index, with: picked[video]) else { return false }
        let shortfallAfter = shortfall - (count < minimum ? 1 : 0)
        if let picksLeft, picksLeft - 1 < shortfallAfter { return false }
        // A pick removes at most two placements of its video (no more than two frames at least
        // `gap` apart fit within `gap` of it), so the exact room is only needed near the limits.
        let needed = max(0, minimum - count - 1)
        let countNeed = picksLeft.map { $0 - 1 - (totalRoom - room[video]) } ?? 0
        guard room[video] - 2 < max(needed, countNeed) else { return true }
        let roomAfter = placeable(in: video, adding: index)
        return roomAfter >= needed && roomAfter >= countNeed
    }

    /// Records a pick.
    func select(_ unit: Int) {
        let video = videoOfUnit[unit], index = indexOfUnit[unit]
        if picked[video].count < minimum { shortfall -= 1 }
        picked[video].insert(index, at: picked[video].firstIndex { $0 > index } ?? picked[video].count)
        picksLeft = picksLeft.map { $0 - 1 }
        updateRoom(video)
    }

    /// Forgets a candidate that can no longer be picked.
    func withdraw(_ unit: Int) {
        let video = videoOfUnit[unit], index = indexOfUnit[unit]
        guard let position = available[video].firstIndex(of: index) else { return }
        available[video].remove(at: position)
        updateRoom(video)
    }

    /// The videos still under per_video_min.
    var videosShort: [String] { videoNames.indices.filter { picked[$0].count < minimum }.map { videoNames[$0] } }

    private func updateRoom(_ video: Int) {
        let updated = placeable(in: video, adding: nil)
        totalRoom += updated - room[video]
        room[video] = updated
    }

    private func conflicts(_ index: Int, with taken: [Int]) -> Bool {
        taken.contains { abs($0 - index) < gap }
    }

    // The most further frames of the video that keep the gap to each other and to the picks (plus
    // `extra`), capped by per_video_max: earliest fitting frame first.
    private func placeable(in video: Int, adding extra: Int?) -> Int {
        var taken = picked[video]
        if let extra { taken.insert(extra, at: taken.firstIndex { $0 > extra } ?? taken.count) }
        let free = maximum == .max ? Int.max : maximum - taken.count
        guard free > 0 else { return 0 }
        var count = 0, last: Int?, next = 0
        for index in available[video] {
            while next < taken.count, taken[next] <= index - gap { next += 1 }
            if next < taken.count, taken[next] < index + gap { continue }
            if let last, index - last < gap { continue }
            count += 1
            last = index
            if count == free { break }
        }
        return count
    }
}
