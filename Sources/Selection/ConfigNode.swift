// An untyped view of the decoded configuration, so that parsing can name the exact key path of a
// problem and list unknown keys, which synthesised Decodable conformances cannot.
enum ConfigNode: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ConfigNode])
    case object([String: ConfigNode])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Each probe below fails only on a type mismatch, which is the signal to try the next type.
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ConfigNode].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ConfigNode].self)) }
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
