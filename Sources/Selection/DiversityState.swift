// DIVERSITY state: each unit owns a set of embedding rows (one frame embedding, or the object
// embeddings of its frames); its distance is the largest, over its rows, of the distance to the
// nearest row of an already-selected unit (spec §5.4).
//
// Distances only shrink as the selection grows, so a unit's nearest distances are brought up to
// date lazily: `checked[row]` says how many selected rows its nearest distance already accounts
// for, and `evaluate` folds in only the rows selected since, and only for the rows that can decide
// the unit's maximum. A full pass over all objects per pick is never needed.
final class DiversityState {
    let dimension: Int
    let vectors: [Float]
    /// Rows of unit u: rowIndex[unitStart[u] ..< unitStart[u + 1]].
    let unitStart: [Int]
    let rowIndex: [Int32]
    /// Squared distance of each row to the nearest selected row checked so far.
    private var nearest: [Float]
    private var checked: [Int]
    /// The selected rows, transposed in blocks of 8: value d of selected row 8b + l is at
    /// (b · dimension + d) · 8 + l. Unused lanes hold a far-away value, so a distance kernel can
    /// take 8 selected rows at a time with no horizontal sums.
    private var selectedBlocks: [Float] = []
    private(set) var selectedCount = 0
    private static let farAway: Float = 1e18

    init(matrix: EmbeddingMatrix, unitRows: [[Int]]) {
        dimension = matrix.dimension
        vectors = matrix.values
        var start = [0], rows: [Int32] = []
        rows.reserveCapacity(matrix.count)
        for unit in unitRows {
            rows.append(contentsOf: unit.map { Int32($0) })
            start.append(rows.count)
        }
        unitStart = start
        rowIndex = rows
        nearest = [Float](repeating: .infinity, count: matrix.count)
        checked = [Int](repeating: 0, count: matrix.count)
    }

    func hasRows(_ unit: Int) -> Bool { unitStart[unit + 1] > unitStart[unit] }

    /// Adds the unit's rows to the selected set.
    func select(_ unit: Int) {
        for position in unitStart[unit] ..< unitStart[unit + 1] {
            let row = Int(rowIndex[position])
            let lane = selectedCount % 8
            if lane == 0 {
                selectedBlocks.append(contentsOf: repeatElement(Self.farAway, count: dimension * 8))
            }
            let block = selectedCount / 8
            for d in 0 ..< dimension {
                selectedBlocks[(block * dimension + d) * 8 + lane] = vectors[row * dimension + d]
            }
            selectedCount += 1
        }
    }

    /// The unit's distance to the selected set: infinity when nothing is selected, 0 for a unit
    /// without rows.
    ///
    /// Only the rows that can decide the maximum are brought up to date: rows are taken by
    /// decreasing stale distance (an upper bound of the true one), and once an updated row is at
    /// least as far as every remaining stale bound, the maximum is known exactly.
    func evaluate(_ unit: Int) -> Double {
        let rows = unitStart[unit] ..< unitStart[unit + 1]
        guard !rows.isEmpty else { return 0 }
        guard selectedCount > 0 else { return .infinity }
        var pending = rows.map { Int(rowIndex[$0]) }
        var largest: Float = -1
        while !pending.isEmpty {
            var position = 0
            for index in pending.indices.dropFirst() where nearest[pending[index]] > nearest[pending[position]] {
                position = index
            }
            let row = pending[position]
            if largest >= nearest[row] { break }
            update(row)
            largest = max(largest, nearest[row])
            pending.swapAt(position, pending.count - 1)
            pending.removeLast()
        }
        return Double(largest.squareRoot())
    }

    /// Folds the rows selected since the row's last update into its nearest distance. Blocks are
    /// taken whole: lanes checked before are checked again, which leaves the minimum unchanged.
    private func update(_ row: Int) {
        let from = checked[row]
        guard from < selectedCount else { return }
        let dimension = dimension
        var best = SIMD8<Float>(repeating: nearest[row])
        vectors.withUnsafeBufferPointer { all in
            selectedBlocks.withUnsafeBytes { blocks in
                // Both buffers are non-empty: the row exists and selectedCount > 0.
                let vector = all.baseAddress! + row * dimension
                for block in from / 8 ..< (selectedCount + 7) / 8 {
                    var sum = SIMD8<Float>()
                    let start = block * dimension * 8 * 4
                    for d in 0 ..< dimension {
                        let lanes = blocks.loadUnaligned(fromByteOffset: start + d * 32, as: SIMD8<Float>.self)
                        let difference = SIMD8<Float>(repeating: vector[d]) - lanes
                        sum += difference * difference
                    }
                    best = pointwiseMin(best, sum)
                }
            }
        }
        nearest[row] = best.min()
        checked[row] = selectedCount
    }
}
