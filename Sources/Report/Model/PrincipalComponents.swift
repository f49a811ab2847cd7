/// Principal component analysis by power iteration with deflation, in pure Swift.
///
/// Works on the d×d covariance matrix when there are at least as many samples as dimensions,
/// else on the n×n Gram matrix of the centred samples (same components, smaller matrix).
/// Deterministic: a fixed start vector, and each component's sign is chosen so that its
/// largest coordinate (in absolute value) is positive.
public struct PrincipalComponents: Sendable, Equatable {
    /// Each sample's coordinates on the first `count` components (zeros past the data's rank).
    public let coordinates: [[Double]]
    /// Share of the total variance each component explains (0…1; zeros for constant data).
    public let explainedVariance: [Double]

    /// - Throws: ``ReportError`` (`invalidData`) when the vectors differ in dimension or hold NaN or infinity.
    public init(_ vectors: [[Double]], count: Int) throws {
        let n = vectors.count
        let d = vectors.first?.count ?? 0
        for (index, vector) in vectors.enumerated() {
            guard vector.count == d else {
                throw ReportError(.invalidData, "embedding \(index) has \(vector.count) dimensions, expected \(d)")
            }
            guard vector.allSatisfy(\.isFinite) else {
                throw ReportError(.invalidData, "embedding \(index) holds NaN or infinity")
            }
        }
        guard n > 0, d > 0 else {
            coordinates = Array(repeating: Array(repeating: 0, count: count), count: n)
            explainedVariance = Array(repeating: 0, count: count)
            return
        }
        var mean = [Double](repeating: 0, count: d)
        for vector in vectors { for j in 0..<d { mean[j] += vector[j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        let centred = vectors.map { vector in (0..<d).map { vector[$0] - mean[$0] } }
        let totalVariance = centred.reduce(0) { sum, row in sum + row.reduce(0) { $0 + $1 * $1 } }

        var coordinates = Array(repeating: [Double](repeating: 0, count: count), count: n)
        var explained = [Double](repeating: 0, count: count)
        if d <= n {
            // Covariance (unnormalised): C = Xᵀ X, d×d; components are its eigenvectors.
            var matrix = Array(repeating: [Double](repeating: 0, count: d), count: d)
            for row in centred {
                for a in 0..<d where row[a] != 0 {
                    for b in a..<d { matrix[a][b] += row[a] * row[b] }
                }
            }
            for a in 0..<d { for b in 0..<a { matrix[a][b] = matrix[b][a] } }
            for component in 0..<min(count, d) {
                let (value, vector) = Self.dominantEigenpair(&matrix)
                guard value > 1e-12 * max(totalVariance, 1e-300) else { break }
                explained[component] = value / totalVariance
                for i in 0..<n {
                    coordinates[i][component] = zip(centred[i], vector).reduce(0) { $0 + $1.0 * $1.1 }
                }
            }
        } else {
            // Gram matrix G = X Xᵀ, n×n; its unit eigenvector u with eigenvalue λ gives
            // coordinates √λ·u (the projection of X on the matching covariance eigenvector).
            var matrix = Array(repeating: [Double](repeating: 0, count: n), count: n)
            for a in 0..<n {
                for b in a..<n {
                    let dot = zip(centred[a], centred[b]).reduce(0) { $0 + $1.0 * $1.1 }
                    matrix[a][b] = dot
                    matrix[b][a] = dot
                }
            }
            for component in 0..<min(count, n) {
                let (value, vector) = Self.dominantEigenpair(&matrix)
                guard value > 1e-12 * max(totalVariance, 1e-300) else { break }
                explained[component] = value / totalVariance
                for i in 0..<n { coordinates[i][component] = value.squareRoot() * vector[i] }
            }
        }
        self.coordinates = coordinates
        self.explainedVariance = explained
    }

    /// The largest eigenpair of a symmetric positive semi-definite matrix, which is then deflated
    /// (the pair removed) so that the next call finds the next one.
    private static func dominantEigenpair(_ matrix: inout [[Double]]) -> (Double, [Double]) {
        let size = matrix.count
        // A fixed, non-symmetric start so no eigenvector is orthogonal to it by construction.
        var vector = (0..<size).map { 1 + Double($0 % 7) / 7 }
        normalise(&vector)
        var value = 0.0
        for _ in 0..<500 {
            var next = [Double](repeating: 0, count: size)
            for a in 0..<size {
                var sum = 0.0
                for b in 0..<size { sum += matrix[a][b] * vector[b] }
                next[a] = sum
            }
            let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return (0, vector) }
            for a in 0..<size { next[a] /= norm }
            let change = zip(next, vector).reduce(0) { max($0, abs($1.0 - $1.1)) }
            vector = next
            value = norm
            if change < 1e-12 { break }
        }
        if let largest = vector.max(by: { abs($0) < abs($1) }), largest < 0 {
            vector = vector.map { -$0 }
        }
        for a in 0..<size {
            for b in 0..<size { matrix[a][b] -= value * vector[a] * vector[b] }
        }
        return (value, vector)
    }

    private static func normalise(_ vector: inout [Double]) {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { vector = vector.map { $0 / norm } }
    }
}
