import Foundation

/// How Lightly files are encoded and decoded: one place, so every writer agrees byte for byte.
public enum LightlyCoding {
    /// Pretty-printed JSON with sorted keys and unescaped slashes, ending in a newline.
    /// Identical values give identical bytes (stages rely on it for early cut-off).
    public static func encode<T: Encodable>(_ value: T) throws(LightlyError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(value)
            data.append(0x0A)
            return data
        } catch {
            throw LightlyError("cannot encode \(T.self): \(error)", code: .invalidContent, cause: error)
        }
    }

    /// Decodes a Lightly file, naming the file and the JSON path of the first problem.
    ///
    /// - Throws: ``LightlyError`` with code `invalidJSON`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws(LightlyError) -> T {
        if let line = trailingCommaLine(data) {
            throw LightlyError("invalid JSON: trailing comma on line \(line)", code: .invalidJSON, file: file)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            let (path, message) = describe(error)
            throw LightlyError(message, code: .invalidJSON, file: file, jsonPath: path, cause: error)
        } catch {
            throw LightlyError("invalid JSON: \(error)", code: .invalidJSON, file: file, cause: error)
        }
    }

    /// The line of the first comma followed by `]` or `}`, outside strings. Foundation's decoder
    /// accepts such JSON; Python's `json` (the Lightly Worker) rejects it.
    static func trailingCommaLine(_ data: Data) -> Int? {
        var line = 1, commaLine: Int?
        var inString = false, escaped = false
        for byte in data {
            if byte == UInt8(ascii: "\n") { line += 1 }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            case UInt8(ascii: "]"), UInt8(ascii: "}"): if let commaLine { return commaLine }
            case UInt8(ascii: "\""): inString = true
            default: break
            }
            commaLine = byte == UInt8(ascii: ",") ? line : nil
        }
        return nil
    }

    /// A coding path as a JSON path: `predictions[2].score`.
    static func jsonPath(_ codingPath: [any CodingKey]) -> String {
        var path = ""
        for key in codingPath {
            if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == "\(index)" {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path
    }

    private static func describe(_ error: DecodingError) -> (String, String) {
        switch error {
        case .keyNotFound(let key, let context):
            return (jsonPath(context.codingPath), "missing required field '\(key.stringValue)'")
        case .typeMismatch(let type, let context):
            return (jsonPath(context.codingPath), "expected \(typeDescription(type))")
        case .valueNotFound(let type, let context):
            return (jsonPath(context.codingPath), "expected \(typeDescription(type)), found null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let detail = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return ("", "invalid JSON" + (detail.map { ": \($0)" } ?? ""))
            }
            return (jsonPath(context.codingPath), context.debugDescription)
        @unknown default:
            return ("", "\(error)")
        }
    }

    private static func typeDescription(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "a boolean"
        default:
            "\(type)".hasPrefix("Array") ? "a list" : "\(type)".hasPrefix("Dictionary") ? "an object" : "\(type)"
        }
    }
}
