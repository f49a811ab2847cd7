import Foundation
import PluginAPI
import Storage

/// The multipart progress of `upload`, kept in the item's checkpoints: each stored part commits a
/// unit holding `multipart.json` (`{name: state}`), so a new attempt resumes instead of re-sending.
actor UploadJournal {
    private var states: [String: MultipartUploadState]
    private static let fileName = "multipart.json"

    private init(states: [String: MultipartUploadState]) {
        self.states = states
    }

    static func name(_ role: String, _ key: String) -> String { "\(role):\(key)" }

    /// Reads every committed unit, later units overriding earlier ones.
    static func load(from checkpoints: any CheckpointStore) async throws -> UploadJournal {
        var states: [String: MultipartUploadState] = [:]
        for unit in try await checkpoints.committedUnits() {
            let file = unit.directory.appendingPathComponent(fileName)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            let data = try Data(contentsOf: file)
            states.merge(try JSONDecoder().decode([String: MultipartUploadState].self, from: data)) { $1 }
        }
        return UploadJournal(states: states)
    }

    func state(_ name: String) -> MultipartUploadState? { states[name] }

    /// Commits `state` as a new checkpoint unit before the upload goes on.
    func record(_ state: MultipartUploadState, as name: String, in checkpoints: any CheckpointStore) async throws {
        states[name] = state
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("orchestrate-upload-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }  // Best effort: the unit is committed already.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode([name: state]).write(to: directory.appendingPathComponent(Self.fileName))
        try await checkpoints.commit(cursor: state.parts.count, directory: directory)
    }
}
