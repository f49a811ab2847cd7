import Media

/// Decides which decoded frames `decode` keeps: every N-th index, then at most one frame per
/// 1/fps seconds, then only frames that differ from the last kept one by at least the
/// dedup threshold. With the defaults (1, 0, 0) it keeps every frame.
struct FrameSampler {
    let every: Int
    /// Frames per second; 0 is off.
    let fps: Double
    /// Mean absolute difference of the signatures (0–255); 0 is off.
    let dedupThreshold: Double

    private var startSeconds: Double?
    private var lastSlot: Int?
    private var lastKeptSignature: FrameSignature?

    init(every: Int, fps: Double, dedupThreshold: Double) {
        self.every = every
        self.fps = fps
        self.dedupThreshold = dedupThreshold
    }

    var needsSignatureForEveryCandidate: Bool { dedupThreshold > 0 }

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

    /// Whether a candidate survives the near-duplicate filter; records it as kept if so.
    mutating func keeps(signature: FrameSignature) -> Bool {
        if dedupThreshold > 0, let lastKeptSignature, signature.meanAbsoluteDifference(to: lastKeptSignature) < dedupThreshold {
            return false
        }
        lastKeptSignature = signature
        return true
    }
}
