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

/// A deterministic generator for test data.
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
}
