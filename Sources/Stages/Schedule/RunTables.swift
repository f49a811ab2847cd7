import Foundation
import Lightly
import PluginAPI
import Selection

/// `scores.csv`: one row per candidate frame: `filenames`, `pick` (1-based pick order, empty when
/// not picked by this run), one column per strategy (its input value, or for DIVERSITY and
/// BALANCE the factor the frame had when picked) and one per active-learning score of each task
/// (`<task>:<score>`).
struct ScoreTable {
    let inputs: ScheduleInputs
    let result: SelectionResult
    let config: SelectionConfig

    func csv() -> String {
        let frameCount = inputs.candidates.count
        var columns: [(String, [String])] = []
        var pickRank = [String](repeating: "", count: frameCount)
        var pickFactors = [[Double]?](repeating: nil, count: frameCount)
        for (rank, pick) in result.picks.enumerated() {
            for frame in pick.frames {
                pickRank[frame] = String(rank + 1)
                pickFactors[frame] = pick.factors
            }
        }
        columns.append(("pick", pickRank))
        for (index, entry) in config.strategies.enumerated() {
            let name = "strategy_\(index)_\(entry.input.typeName)_\(entry.strategy.kind.rawValue)"
            let values: [String]
            if let inputValues = result.inputValues[index] {
                values = inputValues.map(Self.format)
            } else {
                values = pickFactors.map { factors in factors.map { Self.format($0[index]) } ?? "" }
            }
            columns.append((name, values))
        }
        for task in inputs.selection.tasks {
            for score in ScoreCatalog.names(for: task.type) {
                guard let values = ScoreCatalog.frameScores(score, of: task, frames: inputs.selection.frames) else { continue }
                columns.append(("\(task.name):\(score)", values.map(Self.format)))
            }
        }
        var lines = [(["filenames"] + columns.map(\.0)).map(Self.quote).joined(separator: ",")]
        for (row, candidate) in inputs.candidates.enumerated() {
            lines.append(([Self.quote(candidate.name)] + columns.map { $0.1[row] }).joined(separator: ","))
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Shortest round-trip form; empty for NaN (a missing value), `inf` for infinity.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// `embeddings.csv` in Lightly's layout, through ``EmbeddingsCSV``.
enum EmbeddingsTable {
    static func csv(names: [String], embeddings: EmbeddingMatrix) throws -> String {
        let rows = names.indices.map { index in
            EmbeddingRow(fileName: names[index], embedding: embeddings.row(index).map(Double.init), label: 0)
        }
        do { return try EmbeddingsCSV.write(rows, dimension: embeddings.dimension) } catch {
            throw StageError("cannot write embeddings.csv: \(error.description)")
        }
    }
}
