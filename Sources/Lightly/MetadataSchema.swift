import JSON

/// One entry of `.lightly/metadata/schema.json` (the file is a JSON list of them).
///
/// ```json
/// {"name": "Video Name", "path": "video_name", "defaultValue": "undefined", "valueDataType": "CATEGORICAL_STRING"}
/// ```
public struct MetadataSchemaEntry: Sendable, Hashable, Codable {
    /// Display name.
    public var name: String
    /// Dot-joined key path into a metadata file's `metadata` object.
    public var path: String
    /// The value of samples whose metadata lacks the path.
    public var defaultValue: JSONValue
    public var valueDataType: MetadataValueDataType

    public init(name: String, path: String, defaultValue: JSONValue, valueDataType: MetadataValueDataType) {
        self.name = name
        self.path = path
        self.defaultValue = defaultValue
        self.valueDataType = valueDataType
    }
}

/// A metadata value type (`valueDataType`). The spelling read is kept, so both the API's
/// `NUMERIC_*` and the newer docs' `NUMERICAL_*` survive a round trip; ``kind`` tells them apart.
public struct MetadataValueDataType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }

    public static let numericInt = MetadataValueDataType(rawValue: "NUMERIC_INT")
    public static let numericFloat = MetadataValueDataType(rawValue: "NUMERIC_FLOAT")
    public static let categoricalString = MetadataValueDataType(rawValue: "CATEGORICAL_STRING")
    public static let categoricalInt = MetadataValueDataType(rawValue: "CATEGORICAL_INT")
    public static let categoricalBoolean = MetadataValueDataType(rawValue: "CATEGORICAL_BOOLEAN")
    public static let categoricalDatetime = MetadataValueDataType(rawValue: "CATEGORICAL_DATETIME")
    public static let categoricalTimestamp = MetadataValueDataType(rawValue: "CATEGORICAL_TIMESTAMP")
    public static let otherString = MetadataValueDataType(rawValue: "OTHER_STRING")

    /// What a value of this type must be.
    public enum Kind: Sendable, Hashable {
        case integer, number, string, boolean
    }

    /// The value kind, or nil for a spelling the format does not know.
    public var kind: Kind? {
        switch rawValue {
        case "NUMERIC_INT", "NUMERICAL_INT", "CATEGORICAL_INT": .integer
        case "NUMERIC_FLOAT", "NUMERICAL_FLOAT": .number
        case "CATEGORICAL_STRING", "CATEGORICAL_DATETIME", "OTHER_STRING": .string
        case "CATEGORICAL_TIMESTAMP": .integer
        case "CATEGORICAL_BOOLEAN": .boolean
        default: nil
        }
    }

    /// Numeric types feed WEIGHTS and THRESHOLD; the others feed BALANCE.
    public var isNumeric: Bool { rawValue.hasPrefix("NUMERIC") }

    /// Whether `value` is a valid value of this type.
    public func accepts(_ value: JSONValue) -> Bool {
        switch kind {
        case .integer: value.intValue != nil
        case .number: value.doubleValue != nil
        case .string: value.stringValue != nil
        case .boolean: value.boolValue != nil
        case nil: false
        }
    }
}

/// The `type` of a metadata file.
public enum MetadataFileType: String, Sendable, Hashable, Codable {
    case image, video, frame
}

/// A per-file metadata JSON: `{"file_name": …, "type": "video", "metadata": {…}}`.
public struct MetadataFile: Sendable, Hashable, Codable {
    /// The sample's path relative to the input datasource (a frame name for `frame`).
    public var fileName: String
    public var type: MetadataFileType
    public var metadata: [String: JSONValue]

    public init(fileName: String, type: MetadataFileType, metadata: [String: JSONValue]) {
        self.fileName = fileName
        self.type = type
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case fileName = "file_name"
        case type
        case metadata
    }

    /// The value at a dot-joined schema path, or nil when absent.
    public func value(atPath path: String) -> JSONValue? { JSONValue.object(metadata).value(atPath: path) }
}
