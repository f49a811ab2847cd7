// DIVERSITY state: each unit owns a set of embedding rows (one frame embedding, or the object
// embeddings of its frames); its distance is the largest, over its rows, of the distance to the
// nearest row of an already-selected unit (spec §5.4).
//
// Distances only shrink as the selection grows, so a unit's nearest distances are brought up to
// date lazily: `checked[u]` says how many selected rows they already account for, and `evaluate`
// folds in only the rows selected since. A full pass over all objects per pick is never needed.
final class DiversityState {
    let dimension: Int
    let vectors: [Float]
    /// Rows of unit u: rowIndex[unitStart[u] ..< unitStart[u + 1]].
    let unitStart: [Int]
    let rowIndex: [Int32]
    /// Squared distance of each row to the nearest selected row checked so far.
    private var nearest: [Float]
    private var checked: [Int]
    private var selected: [Float] = []
    private(set) var selectedCount = 0

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
        checked = [Int](repeating: 0, count: unitRows.count)
    }

    func hasRows(_ unit: Int) -> Bool { unitStart[unit + 1] > unitStart[unit] }

    /// Adds the unit's rows to the selected set.
    func select(_ unit: Int) {
        for position in unitStart[unit] ..< unitStart[unit + 1] {
            let row = Int(rowIndex[position])
            selected.append(contentsOf: vectors[row * dimension ..< (row + 1) * dimension])
        }
        selectedCount = selected.count / dimension
    }

    /// The unit's distance to the selected set: infinity when nothing is selected, 0 for a unit
    /// without rows.
    func evaluate(_ unit: Int) -> Double {
        let rows = unitStart[unit] ..< unitStart[unit + 1]
        guard !rows.isEmpty else { return 0 }
        guard selectedCount > 0 else { return .infinity }
        let from = checked[unit]
        let dimension = dimension
        var largest: Float = 0
        vectors.withUnsafeBufferPointer { all in
            selected.withUnsafeBufferPointer { chosen in
                nearest.withUnsafeMutableBufferPointer { nearest in
                    // The buffers are non-empty here (rows exist and selectedCount > 0).
                    let base = all.baseAddress!, chosenBase = chosen.baseAddress!
                    for position in rows {
                        let row = Int(rowIndex[position])
                        let vector = base + row * dimension
                        var best = nearest[row]
                        for other in from ..< selectedCount {
                            let distance = Distance.squared(vector, chosenBase + other * dimension, dimension)
                            if distance < best { best = distance }
                        }
                        nearest[row] = best
                        if best > largest { largest = best }
                    }
                }
            }
        }
        checked[unit] = selectedCount
        return Double(largest.squareRoot())
    }
}
