import PluginAPI

/// The built-in stages, registered with the engine by the CLI.
public enum BuiltinStages {
    public static let all: [any Stage] = [
        DecodeStage(),
        DetectStage(),
        ConvertStage(),
        MetadataStage(),
        UploadStage(),
        ScheduleStage(),
        ExportStage(),
        LabelsStage(),
    ]
}
