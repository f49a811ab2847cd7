// Counts the frames `decode` keeps (= detector calls `detect` makes) under several sampling
// options, with the decode stage's own FrameSampler over one sequential FFmpeg pass per option.
// Usage: sampling-count VIDEO → one JSON line per option.
import Foundation

let video = URL(fileURLWithPath: CommandLine.arguments[1])
let options: [(name: String, every: Int, dedup: Double)] = [
    ("every=1", 1, 0), ("every=3", 3, 0), ("dedup_threshold=0.1", 1, 0.1), ("dedup_threshold=0.25", 1, 0.25),
    ("dedup_threshold=0.5", 1, 0.5), ("dedup_threshold=1", 1, 1),
    ("dedup_threshold=2", 1, 2), ("every=3 + dedup_threshold=1", 3, 1),
]
for option in options {
    let decoder = try VideoDecoder(url: video, threads: 1)
    var sampler = FrameSampler(every: option.every, fps: 0, dedupThreshold: option.dedup)
    var decoded = 0, kept = 0
    // The decode stage's loop (Sources/Stages/Decode/DecodeStage.swift): candidates, then signatures.
    while let frame = try decoder.next() {
        decoded += 1
        guard sampler.isCandidate(index: frame.index, seconds: decoder.info.seconds(pts: frame.info.pts)) else { continue }
        if sampler.keeps(signature: try frame.signature()) { kept += 1 }
    }
    print("{\"file\": \"\(video.lastPathComponent)\", \"option\": \"\(option.name)\", \"frames\": \(decoded), \"kept\": \(kept)}")
}
