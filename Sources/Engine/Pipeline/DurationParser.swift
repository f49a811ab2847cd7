import Foundation

/// Durations as pipelines write them: `90s`, `20m`, `1h`, `7d`, `1.5s`, `500ms`, `1h30m`, or a
/// plain number of seconds.
enum DurationParser {
    static let expected = "a number with a unit (ms, s, m, h, d) such as 90s, 20m, 1h, 7d or 1.5s"

    /// Seconds, or `nil` when `text` is not a duration. Zero is allowed; negative is not.
    static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let plain = Double(trimmed) { return plain >= 0 && plain.isFinite ? plain : nil }
        var total = 0.0
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += value / 1000
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
        }
        return total
    }
}
