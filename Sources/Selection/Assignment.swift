/// The Hungarian algorithm: a one-to-one assignment of rows to columns with the largest total
/// weight, O(n² m) for n ≤ m.
enum Assignment {
    /// For each row, its column, or nil when it has none (more rows than columns, or its pair's
    /// weight is below `minimum`). `weights` is rectangular: weights[row][column].
    static func maximising(_ weights: [[Double]], minimum: Double = -.infinity) -> [Int?] {
        let rows = weights.count, columns = weights.first?.count ?? 0
        guard rows > 0, columns > 0 else { return Array(repeating: nil, count: rows) }
        var columnOfRow = [Int?](repeating: nil, count: rows)
        if rows <= columns {
            for (row, column) in minimumCost(weights.map { $0.map { -$0 } }).enumerated() { columnOfRow[row] = column }
        } else {
            let transposed = (0 ..< columns).map { column in (0 ..< rows).map { -weights[$0][column] } }
            for (column, row) in minimumCost(transposed).enumerated() { columnOfRow[row] = column }
        }
        return columnOfRow.enumerated().map { row, column in
            guard let column, weights[row][column] >= minimum else { return nil }
            return column
        }
    }

    /// The column of each row with the least total cost; needs rows ≤ columns. The classic
    /// potentials form (1-based, column 0 a sentinel).
    private static func minimumCost(_ cost: [[Double]]) -> [Int] {
        let n = cost.count, m = cost[0].count
        var u = [Double](repeating: 0, count: n + 1), v = [Double](repeating: 0, count: m + 1)
        var rowOfColumn = [Int](repeating: 0, count: m + 1), way = [Int](repeating: 0, count: m + 1)
        for row in 1 ... n {
            rowOfColumn[0] = row
            var column0 = 0
            var minimum = [Double](repeating: .infinity, count: m + 1)
            var used = [Bool](repeating: false, count: m + 1)
            repeat {
                used[column0] = true
                let row0 = rowOfColumn[column0]
                var delta = Double.infinity, column1 = 0
                for column in 1 ... m where !used[column] {
                    let reduced = cost[row0 - 1][column - 1] - u[row0] - v[column]
                    if reduced < minimum[column] { (minimum[column], way[column]) = (reduced, column0) }
                    if minimum[column] < delta { (delta, column1) = (minimum[column], column) }
                }
                for column in 0 ... m {
                    if used[column] {
                        u[rowOfColumn[column]] += delta
                        v[column] -= delta
                    } else {
                        minimum[column] -= delta
                    }
                }
                column0 = column1
            } while rowOfColumn[column0] != 0
            repeat {
                let previous = way[column0]
                rowOfColumn[column0] = rowOfColumn[previous]
                column0 = previous
            } while column0 != 0
        }
        var columnOfRow = [Int](repeating: 0, count: n)
        for column in 1 ... m where rowOfColumn[column] != 0 { columnOfRow[rowOfColumn[column] - 1] = column - 1 }
        return columnOfRow
    }
}
