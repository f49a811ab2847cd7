extension MetadataStage {
    /// The parts of `decode`'s `manifest.json` that metadata reads.
    struct Manifest: Decodable {
        var codec: String?
        var width: Int
        var height: Int
        var fps: Double
        var timeBase: [Int]?
        var duration: Double?
        var frameCount: Int
        var frames: [Frame]

        enum CodingKeys: String, CodingKey {
            case codec, width, height, fps, duration, frames
            case timeBase = "time_base"
            case frameCount = "frame_count"
        }
    }

    /// One kept frame.
    struct Frame: Decodable {
        var index: Int
        var pts: Int?
        var key: Bool?
    }
}
