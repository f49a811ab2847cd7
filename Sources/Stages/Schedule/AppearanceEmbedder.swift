import Foundation
import Inference
import Lightly
import Media
import PluginAPI
import Selection

/// `embedding_model` with `embedding_input_size`: the crop embedder a run takes appearance object
/// embeddings from.
struct AppearanceModel: Sendable {
    var file: ResolvedFile
    /// The side of the square crops the model takes.
    var inputSize: Int
}

/// Appearance embeddings (`embedding_model`): every object of the object task, cropped from its
/// frame, padded to a square, resized to the model's input size and run through a TorchScript
/// embedding model in batches.
///
/// Padding rule: the object's box (``FrameExtractor/box(bbox:keypoints:width:height:)``: its
/// `bbox`, else the tight box over its keypoints) becomes the square centred on the box whose side
/// is 1.2 × the box's longer side (a 10 % margin of the longer side all round, so context around
/// the object is kept and its aspect ratio is not distorted); parts outside the frame are black.
/// The square is resampled bilinearly to `inputSize` × `inputSize` (pixel centres aligned) and
/// handed over as RGB in [0, 1], NCHW. An object with no box inside the frame gets a zero row.
struct AppearanceEmbedder {
    static let margin = 0.1
    static let batchSize = 32
    let model: EmbeddingModel
    let inputSize: Int

    /// Loads the model.
    /// - Throws: `StageError` naming the file when it is missing or not a TorchScript model.
    init(url: URL, inputSize: Int) throws {
        do {
            model = try EmbeddingModel(url: url, threads: 0)
        } catch let error as InferenceError {
            throw StageError("embedding_model: \(error.description)", code: error.code == .modelNotFound ? .missingInput : .invalidInput)
        }
        self.inputSize = inputSize
    }

    /// One embedding per object, frame after frame in candidate order (the rows of the task's
    /// object embeddings).
    func embed(
        candidates: [ScheduleInputs.Candidate], objects: [[Lightly.Prediction]], snapshot: DatasourceSnapshot
    ) async throws -> EmbeddingMatrix {
        var firstRow = [0]
        for predictions in objects { firstRow.append(firstRow[firstRow.count - 1] + predictions.count) }
        var rows = [[Float]?](repeating: nil, count: firstRow[firstRow.count - 1])
        var pending: [(row: Int, pixels: [Float])] = []
        func flush() throws {
            guard !pending.isEmpty else { return }
            let batch = ImageBatch(count: pending.count, height: inputSize, width: inputSize, values: Array(pending.map(\.pixels).joined()))
            let embeddings: [[Float]]
            do { embeddings = try model.embed(batch) } catch let error as InferenceError {
                throw StageError("embedding_model: \(error.description)", code: .invalidInput)
            }
            for (entry, embedding) in zip(pending, embeddings) { rows[entry.row] = embedding }
            pending.removeAll()
        }

        let byVideo = Dictionary(grouping: candidates.indices.filter { !objects[$0].isEmpty }) { candidates[$0].video }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-embed-\(UUID().uuidString)")
        // Best effort: only downloaded copies of remote videos live there.
        defer { try? FileManager.default.removeItem(at: scratch) }
        for video in byVideo.keys.sorted() {
            try Task.checkCancellation()
            let frames = byVideo[video, default: []]
            let candidateAt = Dictionary(uniqueKeysWithValues: frames.map { (candidates[$0].index, $0) })
            let file = try await snapshot.localVideo(video, scratch: scratch)
            try FrameExtractor.forEach(Set(candidateAt.keys), of: file, datasource: snapshot.input.location.objectURL(video)) { index, image in
                guard let candidate = candidateAt[index] else { return }
                for (object, prediction) in objects[candidate].enumerated() {
                    guard let box = FrameExtractor.box(
                        bbox: prediction.bbox, keypoints: prediction.keypoints, width: image.width, height: image.height)
                    else { continue }
                    pending.append((firstRow[candidate] + object, Self.crop(image, box: box, size: inputSize)))
                    if pending.count == Self.batchSize { try flush() }
                }
            }
        }
        try flush()
        guard let dimension = rows.lazy.compactMap({ $0?.count }).first else {
            throw StageError("embedding_model: no object of the object task has a box inside its frame; nothing to embed", code: .invalidInput)
        }
        do {
            return try EmbeddingMatrix(dimension: dimension, values: rows.flatMap { $0 ?? Array(repeating: 0, count: dimension) })
        } catch {
            throw StageError("embedding_model '\(model.url.path)': \(error)", code: .invalidInput)
        }
    }

    /// The padded square around `box`, resampled bilinearly to `size` × `size`, as CHW floats in [0, 1].
    static func crop(_ image: RGBImage, box: (x: Int, y: Int, width: Int, height: Int), size: Int) -> [Float] {
        let side = Double(max(box.width, box.height)) * (1 + 2 * margin)
        let left = Double(box.x) + Double(box.width) / 2 - side / 2
        let top = Double(box.y) + Double(box.height) / 2 - side / 2
        let scale = side / Double(size)
        let plane = size * size
        var output = [Float](repeating: 0, count: 3 * plane)
        func pixel(_ x: Int, _ y: Int, _ channel: Int) -> Double {
            guard x >= 0, y >= 0, x < image.width, y < image.height else { return 0 }
            return Double(image.pixels[(y * image.width + x) * 3 + channel])
        }
        for row in 0 ..< size {
            let y = top + (Double(row) + 0.5) * scale - 0.5
            let y0 = Int(y.rounded(.down)), fy = y - Double(y0)
            for column in 0 ..< size {
                let x = left + (Double(column) + 0.5) * scale - 0.5
                let x0 = Int(x.rounded(.down)), fx = x - Double(x0)
                for channel in 0 ..< 3 {
                    let upper = pixel(x0, y0, channel) * (1 - fx) + pixel(x0 + 1, y0, channel) * fx
                    let lower = pixel(x0, y0 + 1, channel) * (1 - fx) + pixel(x0 + 1, y0 + 1, channel) * fx
                    output[channel * plane + row * size + column] = Float((upper * (1 - fy) + lower * fy) / 255)
                }
            }
        }
        return output
    }
}
