internal import CTorchAPI
import Foundation

/// A TorchScript model that maps a batch of images to one embedding each: `forward` takes a float
/// tensor `[N, 3, H, W]` and returns a float tensor `[N, D]`. No torchvision operators are needed.
///
/// ```swift
/// let model = try EmbeddingModel(url: modelURL, threads: 2)
/// let rows = try model.embed(ImageBatch(count: 2, height: 32, width: 32, values: pixels))
/// ```
///
/// Calls are serialised; they block while libtorch runs, so call them off the cooperative pool.
public final class EmbeddingModel: @unchecked Sendable {
    // @unchecked: `handle` is immutable after init and every use of it holds `lock`.
    private let handle: OpaquePointer
    private let shim: TorchShim
    private let lock = NSLock()
    /// The TorchScript file this model came from.
    public let url: URL

    /// Loads `url` on the CPU.
    /// - Parameter threads: libtorch's intra-op threads for this model's calls; 0 means one per core.
    /// - Throws: ``InferenceError``: `modelNotFound`, `torchUnavailable`, `modelUnreadable`.
    public init(url: URL, threads: Int = 0) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw InferenceError(.modelNotFound, file: path, "the model file does not exist")
        }
        let shim = try TorchShim.shared()
        handle = try shim.loadModel(path, device: .cpu, threads: TorchShim.intraOpThreads(threads))
        self.shim = shim
        self.url = url
    }

    deinit {
        shim.modelFree(handle)
    }

    /// One forward pass: one embedding (a row of D floats) per image of `batch`, in order.
    /// - Throws: ``InferenceError``: `invalidFrame` (values of the wrong length), `unexpectedOutput`
    ///   (not a float `[N, D]` tensor), `inferenceFailed`.
    public func embed(_ batch: ImageBatch) throws -> [[Float]] {
        guard batch.count > 0 else { return [] }
        let expected = batch.count * 3 * batch.height * batch.width
        guard batch.height > 0, batch.width > 0, batch.values.count == expected else {
            throw InferenceError(
                .invalidFrame, file: url.path,
                "a batch of \(batch.count) images of 3x\(batch.height)x\(batch.width) needs \(expected) values, got \(batch.values.count)")
        }
        lock.lock()
        defer { lock.unlock() }
        var output: UnsafeMutablePointer<Float>?
        var dimension: Int64 = 0
        try batch.values.withUnsafeBufferPointer { values in
            try TorchStatus.check(file: url.path, code: .inferenceFailed) { error, capacity in
                shim.modelEmbed(
                    handle, values.baseAddress, Int64(batch.count), 3, Int64(batch.height), Int64(batch.width),
                    &output, &dimension, error, capacity)
            }
        }
        defer { shim.floatsFree(output) }
        let width = Int(dimension)
        guard let output, width > 0 else {
            throw InferenceError(.unexpectedOutput, file: url.path, "model returned embeddings of dimension 0")
        }
        return (0 ..< batch.count).map { Array(UnsafeBufferPointer(start: output + $0 * width, count: width)) }
    }
}

/// Images of one size as float32 NCHW RGB: `count * 3 * height * width` values, image after image.
public struct ImageBatch: Sendable {
    public var count: Int
    public var height: Int
    public var width: Int
    public var values: [Float]

    public init(count: Int, height: Int, width: Int, values: [Float]) {
        self.count = count
        self.height = height
        self.width = width
        self.values = values
    }
}
