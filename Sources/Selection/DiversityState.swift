// DIVERSITY state: each unit owns a set of embedding rows (one frame embedding, or the object
// embeddings of its frames); its distance is the largest, over its rows, of the distance to the
// nearest row of an already-selected unit (docs/selection.md, "DIVERSITY").
//
// Distances only shrink as the selection grows, so a unit's nearest distances are brought up to
// date lazily: `checked[row]` says how many selected rows its nearest distance already accounts
// for (always a prefix of the selection), and `bound` folds in only the rows selected since, only
// for the rows that can decide the unit's maximum, and only until the maximum is known or known
// to be too small to matter (trying first the selected rows that were close to the unit's other
// rows). A full pass over all objects per pick is never needed.
final class DiversityState {
    let dimension: Int
    let vectors: [Float]
    /// Rows of unit u: rowIndex[unitStart[u] ..< unitStart[u + 1]].
    let unitStart: [Int]
    let rowIndex: [Int32]
    /// Squared distance of each row to the nearest of the first `checked[row]` selected rows, or of
    /// those and some later ones (see `unitHint`): an upper bound of its distance to the whole
    /// selection, exact once `checked[row]` is the whole selection.
    private var nearest: [Float]
    private var checked: [Int]
    /// The selected rows, transposed in blocks of 8: value d of selected row 8b + l is at
    /// (b · dimension + d) · 8 + l. Unused lanes hold a far-away value, so a distance kernel can
    /// take 8 selected rows at a time with no horizontal sums.
    private var selectedBlocks: [Float] = []
    private(set) var selectedCount = 0
    /// Per unit, the first selected block of the blocks that last brought one of its rows to the
    /// cut in `bound`, or -1: a unit's rows are often alike (one frame's objects, or a frame's
    /// successive embeddings), so those blocks are tried first for its other rows.
    private var unitHint: [Int32]
    /// Scratch space of `bound`.
    private var pendingRows: [Int] = []
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
        unitHint = [Int32](repeating: -1, count: unitRows.count)
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
    func evaluate(_ unit: Int) -> Double {
        bound(unit, cutoff: nil).distance
    }

    /// An upper bound of the unit's distance to the selected set, exact (`isExact`) unless the
    /// distance is at most `cutoff`: a caller that only needs to know whether the distance beats
    /// `cutoff` is spared the rest of the work, and the bound stays valid for later calls.
    ///
    /// Rows are taken by decreasing stale distance (an upper bound of the true one). A row is
    /// brought up to date selected block by block, and left as soon as its distance is no larger
    /// than the largest exact distance found so far or than `cutoff`: then it cannot decide the
    /// maximum. The walk ends when the next stale bound is no larger than either.
    func bound(_ unit: Int, cutoff: Double?) -> (distance: Double, isExact: Bool) {
        let rows = unitStart[unit] ..< unitStart[unit + 1]
        guard !rows.isEmpty else { return (0, true) }
        guard selectedCount > 0 else { return (.infinity, true) }
        let floor = cutoff.map { Float($0 * $0) } ?? -1
        // A buffer kept between calls (taken out, so that clearing it does not copy it): this runs
        // millions of times per selection.
        var pending: [Int] = []
        swap(&pending, &pendingRows)
        pending.removeAll(keepingCapacity: true)
        for position in rows { pending.append(Int(rowIndex[position])) }
        defer { pendingRows = pending }
        var largest: Float = -1
        var isUpdated = false
        var hint: Int? = unitHint[unit] >= 0 ? Int(unitHint[unit]) : nil
        defer { unitHint[unit] = Int32(hint ?? -1) }
        while !pending.isEmpty {
            var position = 0
            for index in pending.indices.dropFirst() where nearest[pending[index]] > nearest[pending[position]] {
                position = index
            }
            let row = pending[position]
            let cut = max(largest, floor)
            if nearest[row] <= cut { break }
            isUpdated = isUpdated || checked[row] < selectedCount
            hint = update(row, stoppingAt: cut, trying: hint) ?? hint
            if checked[row] == selectedCount { largest = max(largest, nearest[row]) }
            pending.swapAt(position, pending.count - 1)
            pending.removeLast()
        }
        // The largest bound is exact when a row that is up to date holds it.
        var bound: Float = -1, isExact = false
        for position in rows {
            let row = Int(rowIndex[position])
            let isCurrent = checked[row] == selectedCount
            if nearest[row] > bound {
                (bound, isExact) = (nearest[row], isCurrent)
            } else if nearest[row] == bound, isCurrent {
                isExact = true
            }
        }
        // A bound at the cutoff already (a tie, or rounding between the caller's score and the
        // cutoff) would come back unchanged forever: such a call does the exact work instead.
        if !isExact, !isUpdated, cutoff != nil { return self.bound(unit, cutoff: nil) }
        return (Double(bound.squareRoot()), isExact)
    }

    /// Folds the rows selected since the row's last update into its nearest distance, in order,
    /// stopping once it is at most `cut`; returns the first block of the blocks that brought it
    /// there, if they did. Blocks are taken whole: lanes checked before are checked again, which
    /// leaves the minimum unchanged. Each pair's squared distance is summed over the dimensions in
    /// order, so the result does not depend on how the blocks are grouped.
    ///
    /// The blocks from `trying`, if not checked yet, are compared first: if they bring the distance
    /// to the cut the row is left there, with its checked prefix unchanged. Its nearest distance
    /// then also counts pairs beyond the prefix: still an upper bound, and exact once the prefix
    /// reaches the end.
    private func update(_ row: Int, stoppingAt cut: Float, trying: Int?) -> Int? {
        let from = checked[row]
        guard from < selectedCount else { return nil }
        let dimension = dimension
        let end = (selectedCount + 7) / 8
        var block = from / 8
        var best = SIMD8<Float>(repeating: nearest[row])
        var reached: Int?
        vectors.withUnsafeBufferPointer { all in
            selectedBlocks.withUnsafeBytes { blocks in
                // Both buffers are non-empty: the row exists and selectedCount > 0.
                let vector = all.baseAddress! + row * dimension
                let stride = dimension * 32
                // The lane-wise minimum over the (up to) four blocks from `first`, and the next block.
                func distances(from first: Int) -> (SIMD8<Float>, next: Int) {
                    let start = blocks.baseAddress! + first * stride
                    return first + 4 <= end
                        ? (Self.nearestOfFour(vector, start, dimension), first + 4)
                        : (Self.squaredDistances(vector, start, dimension), first + 1)
                }
                if let trying, trying >= block {
                    best = Self.minimum(best, distances(from: trying).0)
                    if Self.smallest(best) <= cut {
                        reached = trying
                        return
                    }
                }
                while block < end {
                    let (distances, next) = distances(from: block)
                    best = Self.minimum(best, distances)
                    if Self.smallest(best) <= cut {
                        reached = block
                        block = next
                        break
                    }
                    block = next
                }
            }
        }
        nearest[row] = Self.smallest(best)
        checked[row] = min(block * 8, selectedCount)
        return reached
    }

    // The kernels step pointers rather than computing checked indices: their loops are most of a
    // selection's time.

    /// The squared distances from `vector` to the 8 selected rows of the block at `start`.
    @inline(__always)
    private static func squaredDistances(_ vector: UnsafePointer<Float>, _ start: UnsafeRawPointer, _ dimension: Int) -> SIMD8<Float> {
        var sum = SIMD8<Float>()
        var lanes = start
        for d in 0 ..< dimension {
            let difference = SIMD8<Float>(repeating: vector[d]) - lanes.loadUnaligned(as: SIMD8<Float>.self)
            sum += difference * difference
            lanes += 32
        }
        return sum
    }

    /// The lane-wise minimum of the squared distances to the four consecutive blocks from `start`:
    /// four independent sums, so the additions do not wait on each other.
    @inline(__always)
    private static func nearestOfFour(_ vector: UnsafePointer<Float>, _ start: UnsafeRawPointer, _ dimension: Int) -> SIMD8<Float> {
        let stride = dimension * 32
        var sum0 = SIMD8<Float>(), sum1 = SIMD8<Float>(), sum2 = SIMD8<Float>(), sum3 = SIMD8<Float>()
        var lanes = start
        for d in 0 ..< dimension {
            let value = SIMD8<Float>(repeating: vector[d])
            let d0 = value - lanes.loadUnaligned(as: SIMD8<Float>.self)
            let d1 = value - (lanes + stride).loadUnaligned(as: SIMD8<Float>.self)
            let d2 = value - (lanes + 2 * stride).loadUnaligned(as: SIMD8<Float>.self)
            let d3 = value - (lanes + 3 * stride).loadUnaligned(as: SIMD8<Float>.self)
            sum0 += d0 * d0
            sum1 += d1 * d1
            sum2 += d2 * d2
            sum3 += d3 * d3
            lanes += 32
        }
        return minimum(minimum(sum0, sum1), minimum(sum2, sum3))
    }

    /// Lane-wise minimum; the standard library's `pointwiseMin` is not inlined into the kernels.
    @inline(__always)
    private static func minimum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .< a)
    }

    /// The smallest lane; the standard library's `min()` is a generic call here.
    @inline(__always)
    private static func smallest(_ lanes: SIMD8<Float>) -> Float {
        let four = lanes.lowHalf.replacing(with: lanes.highHalf, where: lanes.highHalf .< lanes.lowHalf)
        let two = four.lowHalf.replacing(with: four.highHalf, where: four.highHalf .< four.lowHalf)
        return Swift.min(two[0], two[1])
    }
}
