// The frames `decode` keeps (= detector calls `detect` makes) under several sampling options, with
// the decode stage's own FrameSampler over the video's frames, decoded once (the sampler sees only
// each frame's index, time and signature).
// Usage: sampling-count VIDEO [OPTION ...] → one JSON line per option: file, option, frames, kept,
// and the kept frame indices. An OPTION is decode parameters joined by '+', e.g.
// `every=3+dedup_threshold=1` or `change_threshold=6+max_gap=25`; without any, a fixed list.
import Foundation

struct Failure: Error, CustomStringConvertible { let description: String }

let video = URL(fileURLWithPath: CommandLine.arguments[1])
let given = Array(CommandLine.arguments.dropFirst(2))
let options = given.isEmpty
    ? ["every=1", "every=3", "dedup_threshold=0.1", "dedup_threshold=0.25", "dedup_threshold=0.5", "dedup_threshold=1",
       "dedup_threshold=2", "every=3+dedup_threshold=1"]
    : given

func sampler(_ option: String) throws -> FrameSampler {
    var values = ["every": 1.0, "fps": 0, "dedup_threshold": 0, "change_threshold": 0, "max_gap": 0]
    for pair in option.split(separator: "+") {
        let parts = pair.split(separator: "=").map(String.init)
        guard parts.count == 2, values[parts[0]] != nil, let value = Double(parts[1]) else {
            throw Failure(description: "sampling-count: '\(pair)' is not one of \(values.keys.sorted()) = number")
        }
        values[parts[0]] = value
    }
    return FrameSampler(every: Int(values["every"]!), fps: values["fps"]!, dedupThreshold: values["dedup_threshold"]!,
                        changeThreshold: values["change_threshold"]!, maxGap: Int(values["max_gap"]!))
}

let decoder = try VideoDecoder(url: video, threads: 1)
var frames: [(index: Int, seconds: Double, signature: FrameSignature)] = []
while let frame = try decoder.next() {
    frames.append((frame.index, decoder.info.seconds(pts: frame.info.pts), try frame.signature()))
}
for option in options {
    var sampler = try sampler(option)
    // The decode stage's loop (Sources/Stages/Decode/DecodeStage.swift): candidates, then signatures.
    let kept = frames.filter { sampler.isCandidate(index: $0.index, seconds: $0.seconds) && sampler.keeps(index: $0.index, signature: $0.signature) }
        .map(\.index)
    print("{\"file\": \"\(video.lastPathComponent)\", \"option\": \"\(option)\", \"frames\": \(frames.count), \"kept\": \(kept.count), "
          + "\"indices\": \(kept)}")
}
