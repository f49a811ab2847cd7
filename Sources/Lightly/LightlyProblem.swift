/// One problem the validator found: a file, a JSON path inside it, and what is wrong.
public struct LightlyProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file's path relative to the datasource root.
    public var file: String
    /// Where in the file (`predictions[0].score`); empty for the file as a whole.
    public var jsonPath: String
    public var message: String

    public init(file: String, jsonPath: String = "", message: String) {
        self.file = file
        self.jsonPath = jsonPath
        self.message = message
    }

    /// `file: json.path: message` (the line `orchestrate lightly validate` prints).
    public var description: String {
        jsonPath.isEmpty ? "\(file): \(message)" : "\(file): \(jsonPath): \(message)"
    }
}

/// What the validator may ask about the input datasource (the videos and images), so that
/// frame names can be checked against real frame counts. The Lightly module never decodes
/// video itself: the caller supplies the counts (from `ffprobe`, a manifest, …).
public protocol InputCatalog: Sendable {
    /// Whether the input datasource has a file at this path (relative to its root).
    func containsFile(_ path: String) async throws -> Bool
    /// The number of decoded frames of the video at this path, or nil when there is no such video.
    func frameCount(ofVideo path: String) async throws -> Int?
}
