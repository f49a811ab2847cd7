import JSON

/// Everything a selection run reads from a Lightly datasource.
public struct LightlyDatasource: Sendable, Hashable {
    /// The tasks of `tasks.json`, in its order.
    public var tasks: [PredictionTask]
    /// The metadata, or nil when the datasource has no `.lightly/metadata/schema.json`.
    public var metadata: MetadataCollection?

    public init(tasks: [PredictionTask], metadata: MetadataCollection?) {
        self.tasks = tasks
        self.metadata = metadata
    }

    public func task(named name: String) -> PredictionTask? { tasks.first { $0.name == name } }
}

/// One prediction task: its schema and its per-file predictions.
public struct PredictionTask: Sendable, Hashable {
    public var name: String
    public var schema: PredictionTaskSchema
    /// Prediction files by `file_name` (a frame name for video frames). A sample with no
    /// entry has no prediction file, which the format counts as "no predictions".
    public var predictions: [String: PredictionFile]

    public init(name: String, schema: PredictionTaskSchema, predictions: [String: PredictionFile]) {
        self.name = name
        self.schema = schema
        self.predictions = predictions
    }
}

/// The metadata schema and the per-file metadata.
public struct MetadataCollection: Sendable, Hashable {
    public var schema: [MetadataSchemaEntry]
    /// Metadata files by `file_name` (a video, an image or a frame name).
    public var files: [String: MetadataFile]

    public init(schema: [MetadataSchemaEntry], files: [String: MetadataFile]) {
        self.schema = schema
        self.files = files
    }

    /// The value of `path` for a frame: the frame's own file, else its video's file, else the
    /// schema's default (frame-level values override video-level ones key by key).
    public func value(atPath path: String, frame: FrameName) -> JSONValue? {
        if let value = files[frame.description]?.value(atPath: path) { return value }
        return value(atPath: path, sample: frame.videoPath)
    }

    /// The value of `path` for an image or a video, or the schema's default.
    public func value(atPath path: String, sample fileName: String) -> JSONValue? {
        if let value = files[fileName]?.value(atPath: path) { return value }
        return schema.first { $0.path == path }?.defaultValue
    }
}
