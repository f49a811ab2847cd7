import Foundation
import Lightly
import Media
import PluginAPI

/// Writes the selected frames (`frames/<frame name>`, exactly frame N of the video) and crops of
/// the object task's objects in them (`crops/<frame name without .png>-<object>.png`).
struct RunImages {
    /// One written crop, for the report's gallery.
    struct Crop: Sendable {
        var path: String
        var frame: String
        var score: Double
        /// `[x, y, s]*` in crop pixels.
        var keypoints: [Double]
    }

    let inputs: ScheduleInputs
    let selected: [Int]
    let snapshot: DatasourceSnapshot
    let writer: RunWriter

    func write(progress: (Int, Int) -> Void) async throws -> [Crop] {
        let byVideo = Dictionary(grouping: selected) { inputs.candidates[$0].video }
        let videos = byVideo.keys.sorted()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-schedule-\(UUID().uuidString)")
        // Best effort: only downloaded copies of remote videos live there.
        defer { try? FileManager.default.removeItem(at: scratch) }
        var crops: [Crop] = []
        for (done, video) in videos.enumerated() {
            try Task.checkCancellation()
            let frames = byVideo[video, default: []].sorted()
            let file = try await snapshot.localVideo(video, scratch: scratch)
            let images = try FrameExtractor.frames(
                Set(frames.map { inputs.candidates[$0].index }), of: file,
                datasource: snapshot.input.location.objectURL(video))
            for frame in frames {
                let candidate = inputs.candidates[frame]
                guard let image = images[candidate.index] else { continue }
                try writer.write(try png(image, candidate.name), to: SelectionRunFolder.frame(candidate.name))
                crops += try writeCrops(of: image, frame: frame)
            }
            progress(done + 1, videos.count)
        }
        return crops.sorted { $0.path < $1.path }
    }

    private func writeCrops(of image: RGBImage, frame: Int) throws -> [Crop] {
        let candidate = inputs.candidates[frame]
        let stem = FrameName.splitExtension(candidate.name).stem
        var crops: [Crop] = []
        for (index, prediction) in inputs.objects[frame].enumerated() {
            guard let box = FrameExtractor.box(
                bbox: prediction.bbox, keypoints: prediction.keypoints, width: image.width, height: image.height),
                  let crop = image.cropped(x: box.x, y: box.y, width: box.width, height: box.height)
            else { continue }
            let path = "crops/\(stem)-\(index).png"
            try writer.write(try png(crop, path), to: path)
            var keypoints = prediction.keypoints ?? []
            keypoints.removeLast(keypoints.count % 3)
            for offset in stride(from: 0, to: keypoints.count, by: 3) {
                keypoints[offset] -= Double(box.x)
                keypoints[offset + 1] -= Double(box.y)
            }
            crops.append(Crop(path: path, frame: candidate.name, score: prediction.score ?? 0, keypoints: keypoints))
        }
        return crops
    }

    private func png(_ image: RGBImage, _ name: String) throws -> Data {
        do { return try image.pngData() } catch {
            throw StageError("cannot encode '\(name)' as PNG: \(error)")
        }
    }
}
