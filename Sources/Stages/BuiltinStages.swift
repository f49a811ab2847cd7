import PluginAPI

/// The built-in stages of design §7, registered with the engine by the CLI.
public enum BuiltinStages {
    public static let all: [any Stage] = [
        DecodeStage(),
        ConvertStage(),
        MetadataStage(),
        UploadStage(),
        ScheduleStage(),
        ExportStage(),
    ]
}
