import Dispatch
import Foundation

/// Copies of one detection model, each run on a serial dispatch queue of its own, so that forward
/// passes over different batches run at the same time.
///
/// On a CPU, one pass per core with a single intra-op thread each keeps the cores busier than one
/// pass split over all of them: much of Keypoint R-CNN (its RoI heads, NMS, the many small
/// operators) runs on one thread whatever the setting. Each replica costs one more model in memory
/// (weights and activations). A call waits while every replica is busy. Every replica has the same
/// thread count, so a batch's detections do not depend on which replica ran it.
///
/// ```swift
/// let pool = try await DetectionModelPool.load(url: modelURL, replicas: 2, threads: 2)
/// async let first = pool.detect(batchA)
/// async let second = pool.detect(batchB)
/// ```
public final class DetectionModelPool: Sendable {
    /// Forward passes that can run at once.
    public var replicas: Int { models.count }
    /// Intra-op threads of each replica's calls.
    public var threadsPerReplica: Int { models[0].threads }

    private let models: [DetectionModel]
    private let queues: [DispatchQueue]
    private let idle: IdleReplicas

    /// Loads `replicas` copies of `url` (off the caller's thread) and shares `threads` among them.
    /// - Parameters:
    ///   - replicas: forward passes at once; 0 picks ``automaticReplicas(threads:device:)``.
    ///   - threads: intra-op threads in all, 0 meaning one per core; each replica gets an equal
    ///     share (rounded down), at least one.
    /// - Throws: ``InferenceError`` as ``DetectionModel/init(url:threads:device:operatorLibrary:)``.
    public static func load(
        url: URL, replicas: Int = 0, threads: Int = 0, device: ComputeDevice = .cpu
    ) async throws -> DetectionModelPool {
        precondition(replicas >= 0, "a pool cannot have a negative number of replicas")
        let replicas = replicas > 0 ? replicas : automaticReplicas(threads: threads, device: device)
        let share = max(1, TorchShim.intraOpThreads(threads) / replicas)
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "orchestrate.inference.load").async {
                continuation.resume(
                    with: Result {
                        let models = try (0..<replicas).map { _ in
                            try DetectionModel(url: url, threads: share, device: device)
                        }
                        return DetectionModelPool(models: models)
                    })
            }
        }
    }

    /// On a CPU the largest divisor of the thread count up to 4, so the threads split evenly (one
    /// single-threaded pass per core up to 4 cores) and no more than 4 models, each with its
    /// activations (about 1.5 GiB for Keypoint R-CNN at 960x540, batch 2), are held; on CUDA one.
    public static func automaticReplicas(threads: Int, device: ComputeDevice) -> Int {
        guard device == .cpu else { return 1 }
        let total = TorchShim.intraOpThreads(threads)
        return (1...min(total, 4)).last { total % $0 == 0 } ?? 1
    }

    private init(models: [DetectionModel]) {
        self.models = models
        queues = models.indices.map { DispatchQueue(label: "orchestrate.inference.replica\($0)") }
        idle = IdleReplicas(count: models.count)
    }

    /// One forward pass over `frames` on an idle replica, waiting for one if need be; one
    /// ``Detections`` per frame, in order. A call cancelled before its pass starts throws
    /// `CancellationError`; a pass once started runs to its end.
    /// - Throws: ``InferenceError`` as ``DetectionModel/detect(batch:)``.
    public func detect(_ frames: [FrameTensor]) async throws -> [Detections] {
        let replica = await idle.take()
        if Task.isCancelled {
            await idle.put(replica)
            throw CancellationError()
        }
        let result = await withCheckedContinuation { continuation in
            queues[replica].async { continuation.resume(returning: Result { try self.models[replica].detect(frames: frames) }) }
        }
        await idle.put(replica)
        return try result.get()
    }
}

/// The replicas not running a pass, and the callers waiting for one.
private actor IdleReplicas {
    private var idle: [Int]
    private var waiting: [CheckedContinuation<Int, Never>] = []

    init(count: Int) { idle = Array((0..<count).reversed()) }

    func take() async -> Int {
        if let replica = idle.popLast() { return replica }
        return await withCheckedContinuation { waiting.append($0) }
    }

    func put(_ replica: Int) {
        if waiting.isEmpty {
            idle.append(replica)
        } else {
            waiting.removeFirst().resume(returning: replica)
        }
    }
}
