/// Paths inside a Lightly datasource, relative to its root (the folder that holds `.lightly/`).
public enum LightlyLayout {
    public static let root = ".lightly"
    public static let predictions = ".lightly/predictions"
    public static let metadata = ".lightly/metadata"
    public static let embeddings = ".lightly/embeddings"
    public static let tasksFile = ".lightly/predictions/tasks.json"
    public static let metadataSchemaFile = ".lightly/metadata/schema.json"

    /// `.lightly/predictions/<task>`
    public static func taskDirectory(_ task: String) -> String { "\(predictions)/\(task)" }
    /// `.lightly/predictions/<task>/schema.json`
    public static func schemaFile(task: String) -> String { "\(taskDirectory(task))/schema.json" }
    /// `.lightly/predictions/<task>/<sample path with .json>`
    public static func predictionFile(task: String, sample fileName: String) -> String {
        "\(taskDirectory(task))/\(sidecarPath(forSample: fileName))"
    }
    /// `.lightly/metadata/<sample path with .json>`
    public static func metadataFile(sample fileName: String) -> String {
        "\(metadata)/\(sidecarPath(forSample: fileName))"
    }

    /// A sample's side-file name: its extension replaced by `.json` (`clips/game.mp4` → `clips/game.json`).
    public static func sidecarPath(forSample fileName: String) -> String {
        FrameName.splitExtension(fileName).stem + ".json"
    }

    /// The characters besides ASCII letters and digits that task names may use.
    public static let taskNamePunctuation = "_+=,.@:/-"

    /// Task names allowed by the API: `^[a-zA-Z0-9_+=,.@:/-]*$`, and not empty.
    public static func isValidTaskName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSetASCII.alphanumerics(scalar) || taskNamePunctuation.unicodeScalars.contains(scalar))
        }
    }

    /// Video extensions the Lightly tools recognise (lower-cased match).
    public static let videoExtensions: Set<String> = ["mp4", "mov", "avi", "mpg", "hevc", "m4v", "webm", "mpeg"]
    /// Image extensions the Lightly tools recognise (lower-cased match).
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "ppm", "bmp", "pgm", "tif", "tiff", "webp"]
}

private enum CharacterSetASCII {
    static func alphanumerics(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
