/// Row-major embeddings: `count` rows of `dimension` floats in one contiguous array.
public struct EmbeddingMatrix: Sendable, Hashable {
    public let dimension: Int
    public let values: [Float]

    /// - Throws: ``SelectionError`` (`invalidInput`) when `values.count` is not a multiple of
    ///   `dimension` or a value is not finite.
    public init(dimension: Int, values: [Float]) throws {
        guard dimension > 0, values.count % dimension == 0 else {
            throw SelectionError(
                .invalidInput, at: .inputs,
                "embedding matrix of \(values.count) values is not a whole number of rows of dimension \(dimension)")
        }
        guard values.allSatisfy(\.isFinite) else {
            throw SelectionError(.invalidInput, at: .inputs, "embeddings contain NaN or infinite values")
        }
        self.dimension = dimension
        self.values = values
    }

    /// One row per vector; all must have the same length.
    public init(rows: [[Float]]) throws {
        guard let first = rows.first else {
            throw SelectionError(.invalidInput, at: .inputs, "an embedding matrix needs at least one row")
        }
        guard rows.allSatisfy({ $0.count == first.count }) else {
            throw SelectionError(.invalidInput, at: .inputs, "embedding rows have different lengths")
        }
        try self.init(dimension: first.count, values: rows.flatMap { $0 })
    }

    public var count: Int { values.count / dimension }

    public func row(_ index: Int) -> ArraySlice<Float> {
        values[index * dimension ..< (index + 1) * dimension]
    }

    /// Each row scaled to unit length (zero rows stay zero), as the Lightly Worker's
    /// `normalize_embeddings` does.
    public func normalizedRows() -> EmbeddingMatrix {
        var output = values
        let dimension = dimension
        output.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: buffer.count, by: dimension) {
                var sum: Float = 0
                for i in start ..< start + dimension { sum += buffer[i] * buffer[i] }
                guard sum > 0 else { continue }
                let scale = 1 / sum.squareRoot()
                for i in start ..< start + dimension { buffer[i] *= scale }
            }
        }
        return EmbeddingMatrix(unchecked: dimension, output)
    }

    /// The mean of consecutive row groups: group `g` is rows `offsets[g] ..< offsets[g + 1]`.
    /// An empty group gives a zero row. Used to aggregate object embeddings into frame embeddings
    /// and frame embeddings into sequence embeddings.
    public func groupMeans(offsets: [Int]) -> EmbeddingMatrix {
        let groups = max(offsets.count - 1, 0)
        var output = [Float](repeating: 0, count: groups * dimension)
        for group in 0 ..< groups {
            let rows = offsets[group] ..< offsets[group + 1]
            guard !rows.isEmpty else { continue }
            let scale = 1 / Float(rows.count)
            for row in rows {
                for d in 0 ..< dimension { output[group * dimension + d] += values[row * dimension + d] * scale }
            }
        }
        return EmbeddingMatrix(unchecked: dimension, output)
    }

    init(unchecked dimension: Int, _ values: [Float]) {
        self.dimension = dimension
        self.values = values
    }
}

enum Distance {
    /// Squared Euclidean distance between `dimension` floats at `a` and at `b`.
    // Multiply and add stay separate: `addingProduct` becomes a libm `fmaf` call per lane when the
    // target has no FMA baseline (x86-64 default), which is many times slower.
    @inline(__always)
    static func squared(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dimension: Int) -> Float {
        var accumulator0 = SIMD8<Float>()
        var accumulator1 = SIMD8<Float>()
        var i = 0
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        while i + 16 <= dimension {
            let d0 = rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                - rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let d1 = rawA.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
                - rawB.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            accumulator0 += d0 * d0
            accumulator1 += d1 * d1
            i += 16
        }
        while i + 8 <= dimension {
            let d0 = rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                - rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            accumulator0 += d0 * d0
            i += 8
        }
        var sum = (accumulator0 + accumulator1).sum()
        while i < dimension {
            let d = a[i] - b[i]
            sum += d * d
            i += 1
        }
        return sum
    }

    /// Squared distance between two equal-length slices.
    static func squared(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                // Both slices are non-empty rows of one dimension, so the base addresses exist.
                squared(pa.baseAddress!, pb.baseAddress!, pa.count)
            }
        }
    }
}
