// Times DetectionModelPool on the frames of a raw rgb24 file (as `ffmpeg -f rawvideo -pix_fmt rgb24`
// writes it): conversion to float CHW plus inference, with a given batch size, batches queued as
// the detect stage queues them (two per replica).
//
// Usage: TorchBench MODEL RAW_RGB24 WIDTH HEIGHT FRAMES THREADS BATCH [REPLICAS]
// THREADS are shared among REPLICAS (default 1; 0 = the pool's automatic choice) passes at once.
// Prints one JSON object: per-frame wall seconds (time between batch completions / batch size),
// median, fps (frames / total time), process CPU seconds per frame (user + system, all threads),
// peak RSS.
import Foundation
import Inference

struct BenchError: Error, CustomStringConvertible {
    var description: String
}

func rgb24ToPlanarFloat(_ bytes: Data, width: Int, height: Int) -> [Float] {
    let plane = width * height
    var pixels = [Float](repeating: 0, count: 3 * plane)
    bytes.withUnsafeBytes { raw in
        let source = raw.bindMemory(to: UInt8.self)
        for i in 0..<plane {
            pixels[i] = Float(source[3 * i]) / 255
            pixels[plane + i] = Float(source[3 * i + 1]) / 255
            pixels[2 * plane + i] = Float(source[3 * i + 2]) / 255
        }
    }
    return pixels
}

let arguments = CommandLine.arguments
guard arguments.count == 8 || arguments.count == 9, let width = Int(arguments[3]), let height = Int(arguments[4]),
    let frameCount = Int(arguments[5]), let threads = Int(arguments[6]), let batchSize = Int(arguments[7]),
    let replicas = arguments.count == 9 ? Int(arguments[8]) : 1, replicas >= 0
else {
    throw BenchError(description: "usage: TorchBench MODEL RAW_RGB24 WIDTH HEIGHT FRAMES THREADS BATCH [REPLICAS]")
}
let pool = try await DetectionModelPool.load(url: URL(fileURLWithPath: arguments[1]), replicas: replicas, threads: threads)
let raw = try FileHandle(forReadingFrom: URL(fileURLWithPath: arguments[2]))
let frameBytes = 3 * width * height

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

func readBatch(from start: Int) throws -> [FrameTensor] {
    try (start..<min(start + batchSize, frameCount)).map { index in
        guard let bytes = try raw.read(upToCount: frameBytes), bytes.count == frameBytes else {
            throw BenchError(description: "the raw file holds fewer than \(frameCount) frames")
        }
        return FrameTensor(
            index: index, pixels: rgb24ToPlanarFloat(bytes, width: width, height: height), height: height, width: width)
    }
}

// Up to two batches per replica queued, as the detect stage queues them; a frame's time is the
// time between two batch completions divided by the batch size (one replica: the batch's time).
var times: [Double] = []
var inFlight: [Task<Int, any Error>] = []
var lastCompletion = Date()
@MainActor func completeOldest() async throws {
    let count = try await inFlight.removeFirst().value
    let now = Date()
    times += Array(repeating: now.timeIntervalSince(lastCompletion) / Double(count), count: count)
    lastCompletion = now
}
let cpuStart = cpuSeconds()
var next = 0
while next < frameCount {
    let batch = try readBatch(from: next)
    next += batch.count
    inFlight.append(Task { [pool] in
        let detections = try await pool.detect(batch)
        precondition(detections.count == batch.count)
        return batch.count
    })
    if inFlight.count == 2 * pool.replicas { try await completeOldest() }
}
while !inFlight.isEmpty { try await completeOldest() }

var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let sorted = times.sorted()
let median = sorted.count % 2 == 1
    ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
let result: [String: Any] = [
    "peer": "swift DetectionModelPool", "threads": threads, "batch": batchSize, "replicas": pool.replicas,
    "threads_per_replica": pool.threadsPerReplica, "frames": times.count,
    "seconds_per_frame": times, "median_seconds": median, "fps": Double(times.count) / times.reduce(0, +),
    "cpu_seconds_per_frame": (cpuSeconds() - cpuStart) / Double(times.count),
    "peak_rss_mib": Double(usage.ru_maxrss) / 1024,
]
let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
FileHandle.standardOutput.write(json + Data("\n".utf8))
