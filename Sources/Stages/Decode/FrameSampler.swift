import Media

/// Decides which decoded frames `decode` keeps: every N-th index, then at most one frame per
/// 1/fps seconds, then only frames that differ from the last kept one by at least the dedup
/// threshold, then (adaptive) only frames where the picture has changed enough since the last
/// kept frame. With the defaults (1, 0, 0, 0) it keeps every frame.
struct FrameSampler {
    let every: Int
    /// Frames per second; 0 is off.
    let fps: Double
    /// Mean absolute difference of the signatures (0–255); 0 is off.
    let dedupThreshold: Double
    /// Change accumulated over consecutive candidates (sum of their signatures' mean absolute
    /// differences) that makes a frame worth keeping; 0 is off.
    let changeThreshold: Double
    /// With `changeThreshold`: a frame this many indices after the last kept one is kept
    /// whatever its change; 0 is no limit.
    let maxGap: Int

    private var startSeconds: Double?
    private var lastSlot: Int?
    private var lastKeptSignature: FrameSignature?
    private var lastKeptIndex: Int?
    private var previousSignature: FrameSignature?
    private var accumulatedChange = 0.0

    init(every: Int, fps: Double, dedupThreshold: Double, changeThreshold: Double = 0, maxGap: Int = 0) {
        self.every = every
        self.fps = fps
        self.dedupThreshold = dedupThreshold
        self.changeThreshold = changeThreshold
        self.maxGap = maxGap
    }

    /// Whether a frame passes the index and time filters (before its signature is known).
    mutating func isCandidate(index: Int, seconds: Double) -> Bool {
        let start = startSeconds ?? seconds
        startSeconds = start
        guard index % every == 0 else { return false }
        guard fps > 0 else { return true }
        // A tiny epsilon keeps frames that sit exactly on a slot boundary in that slot.
        let slot = Int(((seconds - start) * fps + 1e-9).rounded(.down))
        if let lastSlot, slot <= lastSlot { return false }
        lastSlot = slot
        return true
    }

    /// Whether a candidate survives the near-duplicate and change filters; records it as kept if so.
    mutating func keeps(index: Int, signature: FrameSignature) -> Bool {
        if changeThreshold > 0 {
            // The change is a path length: motion that comes back to where it was (a player
            // turning round) still counts, unlike the difference to the last kept frame.
            if let previousSignature { accumulatedChange += signature.meanAbsoluteDifference(to: previousSignature) }
            previousSignature = signature
            if let lastKeptIndex, accumulatedChange < changeThreshold, maxGap == 0 || index - lastKeptIndex < maxGap {
                return false
            }
        }
        if dedupThreshold > 0, let lastKeptSignature, signature.meanAbsoluteDifference(to: lastKeptSignature) < dedupThreshold {
            return false
        }
        lastKeptSignature = signature
        lastKeptIndex = index
        accumulatedChange = 0
        return true
    }
}
