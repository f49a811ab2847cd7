internal import COpenVINOAPI
import Foundation

/// A detection model on OpenVINO's CPU plugin: an ONNX file with the `detect`
/// contract (`examples/export_keypoint_rcnn.py --format onnx`): one input, a CHW RGB float image
/// in [0, 1], and outputs named `boxes [N,4]`, `labels [N]`, `scores [N]`, `keypoints [N,K,3]`,
/// `keypoints_scores [N,K]` and optionally `embeddings [N,D]` and `frame_embedding [E]`.
///
/// The model is compiled once, for `streams` passes at once; each pass runs on a ``Request`` of
/// its own, and all requests share the compiled model's weights.
///
/// ```swift
/// let model = try OpenVINODetectionModel(url: modelURL, threads: 2, streams: 2)
/// let request = try model.makeRequest()
/// let detections = try request.detect(frames: [frame])
/// ```
public final class OpenVINODetectionModel: @unchecked Sendable {
    // @unchecked: `handle` is immutable after init; OpenVINO's compiled model is thread-safe.
    fileprivate let handle: OpaquePointer
    fileprivate let shim: OpenVINOShim
    /// The model file this model came from.
    public let url: URL
    /// Whether the model returns `embeddings` and `frame_embedding`.
    let hasEmbeddings: Bool
    let hasFrameEmbedding: Bool

    /// The outputs every model must have.
    static let requiredOutputs = ["boxes", "labels", "scores", "keypoints", "keypoints_scores"]

    /// Reads and compiles `url` with `threads` inference threads in all (0: one per core) for
    /// `streams` passes at once.
    /// - Throws: ``InferenceError``: `modelNotFound`, `openVINOUnavailable`, `modelUnreadable`
    ///   (not an ONNX model, an IR, or not one CHW image input), `unexpectedOutput` (an
    ///   output of the contract is missing).
    public init(url: URL, threads: Int = 0, streams: Int = 1) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw InferenceError(.modelNotFound, file: path, "the model file does not exist")
        }
        // An IR keeps its weights in a .bin beside the .xml, which a `file` parameter's content
        // key does not cover: a new .bin would not re-run anything.
        guard url.pathExtension.lowercased() != "xml" else {
            throw InferenceError(
                .modelUnreadable, file: path,
                "an OpenVINO IR keeps its weights in a separate .bin that the cache key would not cover; "
                    + "give the ONNX export (examples/export_keypoint_rcnn.py --output model.onnx)")
        }
        let shim = try OpenVINOShim.shared()
        var model: OpaquePointer?
        try ShimStatus.check(file: path, code: .modelUnreadable) { error, capacity in
            shim.modelLoad(path, Int32(threads), Int32(max(1, streams)), &model, error, capacity)
        }
        guard let model else { throw InferenceError(.modelUnreadable, file: path, "OpenVINO returned no model") }
        let outputs = Set(
            (0..<shim.modelOutputCount(model)).map { shim.modelOutputName(model, $0).map { String(cString: $0) } ?? "" })
        if let missing = Self.requiredOutputs.first(where: { !outputs.contains($0) }) {
            shim.modelFree(model)
            throw InferenceError(
                .unexpectedOutput, file: path,
                "the model has no output '\(missing)' (it has \(outputs.sorted().joined(separator: ", "))), expected "
                    + Self.requiredOutputs.joined(separator: ", ") + " and optionally embeddings, frame_embedding")
        }
        self.handle = model
        self.shim = shim
        self.url = url
        hasEmbeddings = outputs.contains("embeddings")
        hasFrameEmbedding = outputs.contains("frame_embedding")
    }

    deinit {
        shim.modelFree(handle)
    }

    /// A new infer request: one pass at a time, any number of requests at once.
    /// - Throws: ``InferenceError`` `inferenceFailed`.
    public func makeRequest() throws -> Request {
        var request: OpaquePointer?
        try ShimStatus.check(file: url.path, code: .inferenceFailed) { error, capacity in
            shim.requestCreate(handle, &request, error, capacity)
        }
        guard let request else { throw InferenceError(.inferenceFailed, file: url.path, "OpenVINO returned no request") }
        return Request(model: self, handle: request)
    }

    /// One infer request of a model; it keeps the model alive.
    public final class Request: @unchecked Sendable {
        // @unchecked: every use of `handle` holds `lock`.
        private let model: OpenVINODetectionModel
        private let handle: OpaquePointer
        private let lock = NSLock()

        fileprivate init(model: OpenVINODetectionModel, handle: OpaquePointer) {
            self.model = model
            self.handle = handle
        }

        deinit {
            model.shim.requestFree(handle)
        }

        /// One pass per frame, in order (the model takes one image); one ``Detections`` each.
        /// - Throws: ``InferenceError``: `invalidFrame`, `unexpectedOutput`, `inferenceFailed`.
        public func detect(frames: [FrameTensor]) throws -> [Detections] {
            lock.lock()
            defer { lock.unlock() }
            return try frames.map { frame in
                try frame.withView { try detect($0) }
            }
        }

        private func detect(_ frame: FrameTensorView) throws -> Detections {
            let path = model.url.path
            guard frame.height > 0, frame.width > 0, frame.pixels.count == 3 * frame.height * frame.width,
                let pixels = frame.pixels.baseAddress
            else {
                throw InferenceError(
                    .invalidFrame, file: path,
                    "frame \(frame.index) has \(frame.pixels.count) values, expected 3x\(frame.height)x\(frame.width)")
            }
            try ShimStatus.check(file: path, code: .inferenceFailed) { error, capacity in
                model.shim.requestInfer(handle, pixels, 3, Int64(frame.height), Int64(frame.width), error, capacity)
            }
            let outputs = OutputReader(request: self, frame: frame.index)
            let boxes = try outputs.floats("boxes", shape: [nil, 4])
            let count = boxes.dims[0]
            let keypoints = try outputs.floats("keypoints", shape: [count, nil, 3])
            let keypointCount = keypoints.dims[1]
            return Detections(
                index: frame.index,
                boxes: boxes.rows,
                labels: try outputs.integers("labels", count: count),
                scores: try outputs.floats("scores", shape: [count]).values,
                keypoints: keypoints.rows.map { row in stride(from: 0, to: row.count, by: 3).map { Array(row[$0..<$0 + 3]) } },
                keypointsScores: try outputs.floats("keypoints_scores", shape: [count, keypointCount]).rows,
                embeddings: model.hasEmbeddings ? try outputs.floats("embeddings", shape: [count, nil]).rows : nil,
                frameEmbedding: model.hasFrameEmbedding ? try outputs.floats("frame_embedding", shape: [nil]).values : nil)
        }

        fileprivate func output(_ name: String) throws -> covino_output {
            var output = covino_output()
            try ShimStatus.check(file: model.url.path, code: .inferenceFailed) { error, capacity in
                model.shim.requestOutput(handle, name, &output, error, capacity)
            }
            return output
        }

        fileprivate var path: String { model.url.path }
    }
}

/// Copies the outputs of a request's last pass into Swift arrays, checking their types and shapes.
private struct OutputReader {
    let request: OpenVINODetectionModel.Request
    let frame: Int

    /// An output's values and dimensions; `rows` splits the values along the first dimension.
    struct Tensor {
        var values: [Float]
        var dims: [Int]
        var rows: [[Float]] {
            guard let count = dims.first, count > 0 else { return [] }
            let width = values.count / count
            return (0..<count).map { Array(values[$0 * width..<($0 + 1) * width]) }
        }
    }

    /// The float output `name`, whose shape must match `shape` (nil: any size).
    func floats(_ name: String, shape: [Int?]) throws -> Tensor {
        let output = try request.output(name)
        let dims = try checked(output, name, shape: shape, types: [Int32(COVINO_ELEMENT_F32)], type: "float32")
        let count = dims.reduce(1, *)
        guard count > 0, let data = output.data else { return Tensor(values: [], dims: dims) }
        let values = Array(UnsafeBufferPointer(start: data.assumingMemoryBound(to: Float.self), count: count))
        return Tensor(values: values, dims: dims)
    }

    /// The integer output `name` of `count` values (int64 or int32).
    func integers(_ name: String, count: Int) throws -> [Int] {
        let output = try request.output(name)
        let types = [Int32(COVINO_ELEMENT_I64), Int32(COVINO_ELEMENT_I32)]
        _ = try checked(output, name, shape: [count], types: types, type: "int64 or int32")
        guard count > 0, let data = output.data else { return [] }
        if output.element_type == Int32(COVINO_ELEMENT_I64) {
            return UnsafeBufferPointer(start: data.assumingMemoryBound(to: Int64.self), count: count).map { Int($0) }
        }
        return UnsafeBufferPointer(start: data.assumingMemoryBound(to: Int32.self), count: count).map { Int($0) }
    }

    private func checked(_ output: covino_output, _ name: String, shape: [Int?], types: [Int32], type: String) throws
        -> [Int]
    {
        let dims = withUnsafeBytes(of: output.dims) { Array($0.bindMemory(to: Int64.self).prefix(Int(output.rank))) }
            .map { Int($0) }
        let matches = dims.count == shape.count && zip(dims, shape).allSatisfy { $1 == nil || $0 == $1 }
        guard matches, types.contains(output.element_type) else {
            let expected = shape.map { $0.map(String.init) ?? "*" }.joined(separator: ", ")
            throw InferenceError(
                .unexpectedOutput, file: request.path,
                "output '\(name)' of frame \(frame) is \(dims) (element type \(output.element_type)), expected "
                    + "\(type) [\(expected)]")
        }
        return dims
    }
}
