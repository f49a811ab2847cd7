// The selection benchmark driver (bench/selection/run.sh).
//
// A synthetic scene: F frames in 20 videos, 5 to 15 objects per frame (10 on average), D-dimensional
// unit object embeddings around 256 pose clusters, a weight per frame. Config: object-level
// DIVERSITY + WEIGHTS + BALANCE (UNIFORM over videos). Prints one JSON line per measurement and,
// with BENCH_OUT set, writes the main scene's arrays there for the NumPy peer.
//
// Environment: BENCH_FRAMES (200000), BENCH_SELECT (1000), BENCH_DIM (64), BENCH_REPEATS (3),
// BENCH_SCALING (unset; 1 also times smaller scenes and other selection sizes), BENCH_OUT.
// With BENCH_QUALITY_INPUT and BENCH_QUALITY_OUTPUT it only writes the picks of the
// selection-quality harness (QualityPicks.swift).
import Foundation
import Selection
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

let environment = ProcessInfo.processInfo.environment

// BENCH_QUALITY_INPUT and BENCH_QUALITY_OUTPUT: the selection-quality harness's picks, nothing else.
if let input = environment["BENCH_QUALITY_INPUT"], let output = environment["BENCH_QUALITY_OUTPUT"] {
    try QualityPicks.run(input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output))
    exit(0)
}

struct Scene {
    var inputs: SelectionInputs
    var counts: [Int32]
    var weights: [Double]
    var videos: [Int32]
}

func makeScene(frames: Int, dimension: Int, seed: UInt64 = 1) throws -> Scene {
    var random = TestRandom(state: seed)
    let clusters = 256
    var centres = [Float](repeating: 0, count: clusters * dimension)
    for index in centres.indices { centres[index] = Float(random.unit() * 2 - 1) }
    var counts = [Int32](repeating: 10, count: frames)
    for pair in stride(from: 0, to: frames - 1, by: 2) {
        let k = Int32(random.int(-5 ..< 6))
        counts[pair] = 10 + k
        counts[pair + 1] = 10 - k
    }
    let total = counts.reduce(0) { $0 + Int($1) }
    var embeddings = [Float](repeating: 0, count: total * dimension)
    var detections: [[Detection]] = []
    detections.reserveCapacity(frames)
    var row = 0
    let template = Detection(categoryID: 1, score: 0.5)
    embeddings.withUnsafeMutableBufferPointer { buffer in
        for frame in 0 ..< frames {
            let frameCluster = random.int(0 ..< clusters)
            for _ in 0 ..< Int(counts[frame]) {
                let cluster = random.next() % 4 == 0 ? random.int(0 ..< clusters) : frameCluster
                var norm: Float = 0
                for d in 0 ..< dimension {
                    let value = centres[cluster * dimension + d] + Float(random.unit() - 0.5) * 0.6
                    buffer[row * dimension + d] = value
                    norm += value * value
                }
                let scale = 1 / norm.squareRoot()
                for d in 0 ..< dimension { buffer[row * dimension + d] *= scale }
                row += 1
            }
            detections.append(Array(repeating: template, count: Int(counts[frame])))
        }
    }
    let weights = (0 ..< frames).map { _ in 0.05 + 0.95 * random.unit() }
    let videos = (0 ..< frames).map { Int32($0 * 20 / frames) }
    let frameList = (0 ..< frames).map { index in
        Frame(name: "f\(index)", video: "v\(videos[index])", metadata: [
            "video": .string("v\(videos[index])"), "w": .number(weights[index]),
        ])
    }
    let task = TaskPredictions(
        name: "objects", type: .objectDetection, categories: [1: "person"], detections: detections,
        objectEmbeddings: try EmbeddingMatrix(dimension: dimension, values: embeddings))
    return Scene(inputs: SelectionInputs(frames: frameList, tasks: [task]), counts: counts, weights: weights, videos: videos)
}

func config(select: Int) -> SelectionConfig {
    SelectionConfig(size: .count(select), strategies: [
        StrategyEntry(input: .embeddings(task: "objects"), strategy: SelectionStrategy(kind: .diversity)),
        StrategyEntry(input: .metadata(key: "w"), strategy: SelectionStrategy(kind: .weights)),
        StrategyEntry(input: .metadata(key: "video"), strategy: SelectionStrategy(kind: .balance, distribution: .uniform)),
    ])
}

func peakMemoryMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// FNV-1a over the picks in order: builds that pick the same frames print the same value.
func fnv1a(_ picks: [Int]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for pick in picks {
        for byte in withUnsafeBytes(of: UInt64(pick).littleEndian, Array.init) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
    return String(hash, radix: 16)
}

func write<T>(_ array: [T], to path: String) throws {
    let data = array.withUnsafeBufferPointer { Data(buffer: $0) }
    try data.write(to: URL(fileURLWithPath: path))
}

let frames = Int(environment["BENCH_FRAMES"] ?? "") ?? 200_000
let select = Int(environment["BENCH_SELECT"] ?? "") ?? 1000
let dimension = Int(environment["BENCH_DIM"] ?? "") ?? 64
let repeats = Int(environment["BENCH_REPEATS"] ?? "") ?? 3
var scene: Scene? = nil
let generation = try seconds { scene = try makeScene(frames: frames, dimension: dimension) }
guard let scene else { fatalError("no scene") }
var selected: [Int] = []
var times: [Double] = []
for _ in 0 ..< repeats {
    times.append(try seconds {
        selected = try Selector.select(config(select: select), inputs: scene.inputs).selectedFrames
    })
}
let objects = scene.counts.reduce(0) { $0 + Int($1) }
print(#"{"kind": "main", "frames": \#(frames), "objects": \#(objects), "dimension": \#(dimension), "select": \#(select), "generate_s": \#(generation), "times_s": \#(times), "peak_rss_mib": \#(peakMemoryMiB()), "picks_fnv1a": "\#(fnv1a(selected))"}"#)
if let out = environment["BENCH_OUT"] {
    try write(scene.inputs.tasks[0].objectEmbeddings?.values ?? [], to: "\(out)/embeddings.f32")
    try write(scene.counts, to: "\(out)/counts.i32")
    try write(scene.weights, to: "\(out)/weights.f64")
    try write(scene.videos, to: "\(out)/videos.i32")
    try selected.map(String.init).joined(separator: "\n").write(toFile: "\(out)/swift_selected.txt", atomically: true, encoding: .utf8)
}
// Growth with the number of candidates and with the number selected.
if environment["BENCH_SCALING"] == "1" {
    for scale in [frames / 4, frames / 2] {
        let smaller = try makeScene(frames: scale, dimension: dimension)
        let time = try seconds { _ = try Selector.select(config(select: select), inputs: smaller.inputs) }
        print(#"{"kind": "frames", "frames": \#(scale), "select": \#(select), "time_s": \#(time)}"#)
    }
    for count in [select / 4, select / 2, select * 2] {
        let time = try seconds { _ = try Selector.select(config(select: count), inputs: scene.inputs) }
        print(#"{"kind": "select", "frames": \#(frames), "select": \#(count), "time_s": \#(time)}"#)
    }
}
precondition(selected.count == select, "selected \(selected.count) of \(select)")
