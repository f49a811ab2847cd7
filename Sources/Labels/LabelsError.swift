/// A problem with a labelling tool's export: it names the file, the task or image, and the field.
public struct LabelsError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The file cannot be read as the format.
        public static let invalidFile = Code("invalid_file")
        /// A label breaks a rule (coordinates, sizes, names, joints).
        public static let invalidLabel = Code("invalid_label")
        /// A frame the export names was never selected, or is named twice.
        public static let unknownFrame = Code("unknown_frame")
        /// The export lost labels (Label Studio's COCO export): never imported as complete.
        public static let lossyExport = Code("lossy_export")
    }

    public var code: Code
    public var message: String
    public var file: String
    /// The task or image (`task 7`, `image 3 'game-003-mp4.png'`).
    public var id: String?
    /// The field (`annotations[0].result[4].original_width`).
    public var field: String?

    public init(_ message: String, code: Code, file: String, id: String? = nil, field: String? = nil) {
        self.message = message
        self.code = code
        self.file = file
        self.id = id
        self.field = field
    }

    /// `file: task 7: field: message`.
    public var description: String {
        [file, id, field, message].compactMap { $0 }.joined(separator: ": ")
    }
}
