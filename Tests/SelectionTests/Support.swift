import Foundation
import Selection

func decodeConfig(_ json: String) throws -> SelectionConfig {
    try JSONDecoder().decode(SelectionConfig.self, from: Data(json.utf8))
}

/// The message of the SelectionError that decoding `json` throws, or nil when it decodes.
func configError(_ json: String) -> String? {
    do {
        _ = try decodeConfig(json)
        return nil
    } catch let error as SelectionError {
        return error.description
    } catch {
        return "unexpected \(error)"
    }
}

/// Frames with one numeric metadata key per list.
func framesWithMetadata(_ columns: [String: [Double]], datapool: Set<Int> = []) -> [Frame] {
    let count = columns.values.first?.count ?? 0
    return (0 ..< count).map { index in
        Frame(
            name: "f\(index)", video: nil,
            metadata: columns.mapValues { .number($0[index]) }, isInDatapool: datapool.contains(index))
    }
}

func strategy(_ input: SelectionInput, _ kind: SelectionStrategy.Kind, strength: Double = 1) -> StrategyEntry {
    StrategyEntry(input: input, strategy: SelectionStrategy(kind: kind, strength: strength))
}
