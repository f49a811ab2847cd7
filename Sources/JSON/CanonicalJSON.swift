import Foundation

/// The canonical JSON writer: keys sorted bytewise, no whitespace, minimal escaping; whole
/// doubles as integers. Cache keys, run ids and receipts hash this form, and
/// ``JSONValue/canonicalData()`` writes it.
///
/// It is hand-written because `JSONEncoder` costs tens of microseconds per value, which
/// dominates a no-op run over 10 000 items.
public enum CanonicalJSON {
    public static func string(_ value: JSONValue) -> String {
        var out = ""
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    public static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite, d.rounded() == d, abs(d) < 1e15 { out += String(Int(d)) } else { out += "\(d)" }
        case .string(let s): writeString(s, into: &out)
        case .array(let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                write(element, into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            // Bytewise order of UTF-8 keys, so the form does not depend on locale.
            for (index, key) in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
                .enumerated() {
                if index > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(object[key] ?? .null, into: &out)
            }
            out += "}"
        }
    }

    /// Writes an object of strings: the same bytes as `write(.object(...))` of its values as
    /// `.string`, without building that value first.
    public static func write(_ object: [String: String], into out: inout String) {
        out += "{"
        for (index, key) in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { out += "," }
            writeString(key, into: &out)
            out += ":"
            writeString(object[key] ?? "", into: &out)
        }
        out += "}"
    }

    public static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
