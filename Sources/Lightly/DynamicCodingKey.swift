import JSON

/// A coding key for object keys known only at run time (extra keys kept on a round trip).
struct DynamicCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == DynamicCodingKey {
    /// Every key not in `known`, decoded as JSON: what a round trip must preserve.
    func extras(excluding known: Set<String>) throws -> [String: JSONValue] {
        var extras: [String: JSONValue] = [:]
        for key in allKeys where !known.contains(key.stringValue) {
            extras[key.stringValue] = try decode(JSONValue.self, forKey: key)
        }
        return extras
    }
}

extension KeyedEncodingContainer where Key == DynamicCodingKey {
    mutating func encode(extras: [String: JSONValue]) throws {
        for (key, value) in extras { try encode(value, forKey: DynamicCodingKey(key)) }
    }
}
