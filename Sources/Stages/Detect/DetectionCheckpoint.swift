import Foundation
import Inference
import PluginAPI

/// One committed checkpoint unit of `detect`: the detections of the kept frames
/// `start..<start + frames.count` (positions in the manifest's `frames`), stored as
/// `detections-unit.json`. The unit's cursor is the number of kept frames done after it.
struct DetectionCheckpoint: Codable, Hashable, Sendable {
    static let fileName = "detections-unit.json"

    /// The position in the manifest's kept frames of this unit's first frame.
    var start: Int
    var frames: [Detections]

    var end: Int { start + frames.count }

    /// Writes the unit into a fresh temporary directory, commits it, and removes the directory.
    func commit(to store: any CheckpointStore) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("orchestrate-detect-unit-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer {
            // Best effort: the unit is committed (or the commit failed); a leftover temporary file is harmless.
            try? FileManager.default.removeItem(at: directory)
        }
        try DetectionsDocument.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
        try await store.commit(cursor: end, directory: directory)
    }

    /// Reads every committed unit and checks that they cover the kept frames `0..<cursor`
    /// in order, each frame the one the manifest lists at its position.
    /// - Returns: the units, oldest first; their frames are the detections done so far.
    static func readCommitted(from store: any CheckpointStore, manifest: DecodeManifest, key: String) async throws
        -> [DetectionCheckpoint]
    {
        var units: [DetectionCheckpoint] = []
        var done = 0
        for unit in try await store.committedUnits() {
            let url = unit.directory.appendingPathComponent(fileName)
            let checkpoint: DetectionCheckpoint
            do {
                checkpoint = try JSONDecoder().decode(DetectionCheckpoint.self, from: Data(contentsOf: url))
            } catch {
                throw StageError("'\(key)': checkpoint unit \(unit.sequence) cannot be read (\(url.path)): \(error)",
                                 code: .failed)
            }
            let expected = manifest.frames.dropFirst(done).prefix(checkpoint.frames.count).map(\.index)
            guard checkpoint.start == done, checkpoint.end == unit.cursor, checkpoint.end <= manifest.frames.count,
                  checkpoint.frames.map(\.index) == expected
            else {
                throw StageError(
                    "'\(key)': checkpoint unit \(unit.sequence) (frames \(checkpoint.start)..<\(checkpoint.end), cursor \(unit.cursor)) "
                        + "does not continue the \(done) kept frames done before it", code: .failed)
            }
            units.append(checkpoint)
            done = checkpoint.end
        }
        return units
    }
}
