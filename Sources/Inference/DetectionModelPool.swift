import Dispatch
import Foundation

/// Replicas of one detection model, each run on a serial dispatch queue of its own, so that
/// forward passes over different batches run at the same time.
///
/// On libtorch each replica is a copy of the model; on OpenVINO the model is compiled once for
/// as many streams as replicas and each replica is an infer request sharing its weights. On a
/// CPU, one pass per core with a single intra-op thread each keeps the cores busier than one
/// pass split over all of them: much of Keypoint R-CNN (its RoI heads, NMS, the many small
/// operators) runs on one thread whatever the setting. A call waits while every replica is busy.
/// Every replica has the same thread count, so a batch's detections do not depend on which
/// replica ran it.
///
/// ```swift
/// let pool = try await DetectionModelPool.load(url: modelURL, runtime: .openvino, replicas: 2, threads: 2)
/// async let first = pool.detect(batchA)
/// async let second = pool.detect(batchB)
/// ```
public final class DetectionModelPool: Sendable {
    /// Forward passes that can run at once.
    public var replicas: Int { models.count }
    /// Intra-op threads of each replica's calls.
    public let threadsPerReplica: Int

    private let models: [any DetectionReplica]
    private let queues: [DispatchQueue]
    private let idle: IdleReplicas

    /// Loads `replicas` replicas of `url` on `runtime` (off the caller's thread) and shares
    /// `threads` among them.
    /// - Parameters:
    ///   - replicas: forward passes at once; 0 picks ``automaticReplicas(threads:device:)``.
    ///   - threads: intra-op threads in all, 0 meaning one per core; each replica gets an equal
    ///     share (rounded down), at least one.
    /// - Throws: ``InferenceError`` as ``DetectionModel/init(url:threads:device:operatorLibrary:)``
    ///   or ``OpenVINODetectionModel/init(url:threads:streams:)``; `deviceUnavailable` for
    ///   OpenVINO on `cuda`.
    public static func load(
        url: URL, runtime: DetectionRuntime = .libtorch, replicas: Int = 0, threads: Int = 0,
        device: ComputeDevice = .cpu
    ) async throws -> DetectionModelPool {
        precondition(replicas >= 0, "a pool cannot have a negative number of replicas")
        let replicas = replicas > 0 ? replicas : automaticReplicas(threads: threads, device: device)
        let total = TorchShim.intraOpThreads(threads)
        let share = max(1, total / replicas)
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "orchestrate.inference.load").async {
                continuation.resume(
                    with: Result {
                        let models: [any DetectionReplica]
                        switch runtime {
                        case .libtorch:
                            models = try (0..<replicas).map { _ in
                                try DetectionModel(url: url, threads: share, device: device)
                            }
                        case .openvino:
                            guard device == .cpu else {
                                throw InferenceError(
                                    .deviceUnavailable, file: url.path,
                                    "OpenVINO runs models on the CPU here; device cuda needs runtime libtorch")
                            }
                            let model = try OpenVINODetectionModel(url: url, threads: share * replicas, streams: replicas)
                            models = try (0..<replicas).map { _ in try model.makeRequest() }
                        }
                        return DetectionModelPool(models: models, threadsPerReplica: share)
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

    private init(models: [any DetectionReplica], threadsPerReplica: Int) {
        self.models = models
        self.threadsPerReplica = threadsPerReplica
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

/// One forward pass at a time over a batch of frames: a libtorch model or an OpenVINO infer request.
protocol DetectionReplica: AnyObject, Sendable {
    func detect(frames: [FrameTensor]) throws -> [Detections]
}

extension DetectionModel: DetectionReplica {}
extension OpenVINODetectionModel.Request: DetectionReplica {}

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
