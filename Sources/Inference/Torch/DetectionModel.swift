internal import CTorchAPI
import Foundation

/// A TorchScript detection model (torchvision's Keypoint R-CNN or any module with its interface)
/// loaded through libtorch.
///
/// The model's `forward` takes a list of CHW RGB float tensors in [0, 1] and returns either
/// torchvision's scripted `(losses, detections)` tuple or the detections list; each detection dict
/// holds `boxes, labels, scores, keypoints, keypoints_scores` and optionally `embeddings` and
/// `frame_embedding`.
///
/// ```swift
/// let model = try DetectionModel(url: modelURL, threads: 2)
/// let detections = try model.detect(frames: [frame])
/// ```
///
/// Calls to ``detect(batch:)`` are serialised; it blocks while libtorch runs, so call it off the
/// cooperative thread pool.
public final class DetectionModel: @unchecked Sendable {
    // @unchecked: `handle` is immutable after init and every use of it holds `lock`.
    private let handle: OpaquePointer
    private let shim: TorchShim
    private let lock = NSLock()
    /// The TorchScript file this model came from.
    public let url: URL
    /// The intra-op thread count every `detect` call uses.
    public let threads: Int
    public let device: ComputeDevice

    /// Loads `url`, after loading torchvision's operator library (`operatorLibrary`, else
    /// ``TorchvisionOperators/locate(environment:)``).
    /// - Parameters:
    ///   - threads: libtorch's intra-op threads for this model's calls; 0 means one per core.
    /// - Throws: ``InferenceError``: `modelNotFound`, `torchUnavailable` (the libtorch shim, loaded on
    ///   the first model load, is missing or cannot load libtorch), `modelUnreadable`,
    ///   `operatorsUnavailable`, `deviceUnavailable`.
    public init(url: URL, threads: Int = 0, device: ComputeDevice = .cpu, operatorLibrary: URL? = nil) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw InferenceError(.modelNotFound, file: path, "the model file does not exist")
        }
        let shim = try TorchShim.shared()
        try TorchvisionOperators.load(operatorLibrary ?? TorchvisionOperators.locate())
        let resolvedThreads = TorchShim.intraOpThreads(threads)
        handle = try shim.loadModel(path, device: device, threads: resolvedThreads)
        self.shim = shim
        self.url = url
        self.threads = resolvedThreads
        self.device = device
    }

    deinit {
        shim.modelFree(handle)
    }

    /// Runs one forward pass over `batch` and returns one ``Detections`` per frame, in order.
    ///
    /// The frames' buffers are read in place (wrapped, not copied) and must stay valid for the call.
    /// - Throws: ``InferenceError``: `invalidFrame`, `unexpectedOutput` (the model returned something
    ///   other than torchvision's detections), `inferenceFailed`.
    public func detect(batch: [FrameTensorView]) throws -> [Detections] {
        if batch.isEmpty { return [] }
        var frames = [ctorch_frame]()
        frames.reserveCapacity(batch.count)
        for frame in batch {
            guard frame.height > 0, frame.width > 0 else {
                throw InferenceError(
                    .invalidFrame, file: url.path, "frame \(frame.index) is \(frame.width)x\(frame.height)")
            }
            guard frame.pixels.count == 3 * frame.height * frame.width, let pixels = frame.pixels.baseAddress else {
                throw InferenceError(
                    .invalidFrame, file: url.path,
                    "frame \(frame.index) has \(frame.pixels.count) values, expected 3x\(frame.height)x\(frame.width)")
            }
            frames.append(ctorch_frame(pixels: pixels, height: Int64(frame.height), width: Int64(frame.width)))
        }
        lock.lock()
        defer { lock.unlock() }
        var result: OpaquePointer?
        try TorchStatus.check(file: url.path, code: .inferenceFailed) { error, capacity in
            shim.modelDetect(handle, frames, Int64(frames.count), &result, error, capacity)
        }
        guard let result else {
            throw InferenceError(.inferenceFailed, file: url.path, "libtorch returned no result")
        }
        defer { shim.resultFree(result) }
        return batch.enumerated().map { position, frame in
            Detections(shim.resultFrame(result, Int64(position)), index: frame.index)
        }
    }

    /// Runs one forward pass over frames that own their pixels (no copies: each is viewed in place).
    public func detect(frames: [FrameTensor]) throws -> [Detections] {
        try Self.withViews(of: frames[...], collected: []) { try detect(batch: $0) }
    }

    private static func withViews<Result>(
        of frames: ArraySlice<FrameTensor>, collected: [FrameTensorView],
        _ body: ([FrameTensorView]) throws -> Result
    ) throws -> Result {
        guard let first = frames.first else { return try body(collected) }
        return try first.withView { view in
            try withViews(of: frames.dropFirst(), collected: collected + [view], body)
        }
    }
}

extension Detections {
    /// Copies one frame's arrays out of a shim result.
    init(_ frame: ctorch_frame_detections, index: Int) {
        let count = Int(frame.count)
        let keypointCount = Int(frame.keypoint_count)
        func rows(_ pointer: UnsafePointer<Float>?, width: Int) -> [[Float]] {
            guard let pointer, width > 0 else { return Array(repeating: [], count: count) }
            return (0..<count).map { Array(UnsafeBufferPointer(start: pointer + $0 * width, count: width)) }
        }
        func values<T>(_ pointer: UnsafePointer<T>?, _ n: Int) -> [T] {
            guard let pointer, n > 0 else { return [] }
            return Array(UnsafeBufferPointer(start: pointer, count: n))
        }
        let flatKeypoints = rows(frame.keypoints, width: keypointCount * 3)
        self.init(
            index: index,
            boxes: rows(frame.boxes, width: 4),
            labels: values(frame.labels, count).map { Int($0) },
            scores: values(frame.scores, count),
            keypoints: flatKeypoints.map { row in stride(from: 0, to: row.count, by: 3).map { Array(row[$0..<$0 + 3]) } },
            keypointsScores: rows(frame.keypoints_scores, width: keypointCount),
            embeddings: frame.has_embeddings == 0 ? nil : rows(frame.embeddings, width: Int(frame.embedding_size)),
            frameEmbedding: frame.has_frame_embedding == 0
                ? nil : values(frame.frame_embedding, Int(frame.frame_embedding_size))
        )
    }
}
