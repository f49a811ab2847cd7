import Foundation
import Lightly
import Media
import PluginAPI
import Storage

/// One selected frame as exported: its PNG bytes and size, and where it lives in the Lightly datasource.
struct ExportedFrame: Sendable, Hashable {
    /// The frame name (`clips/game-007-mp4.png`).
    var name: String
    /// Its key in the Lightly datasource (`.lightly/runs/<run id>/frames/<name>`).
    var key: String
    var png: Data
    var width: Int
    var height: Int
    /// Whether `export` stored it (false when the selection run had put it there already).
    var uploaded: Bool
}

/// Brings the selected frames into the run folder's `frames/`: reads those the selection run
/// stored there, and extracts the others (exactly frame N, one sequential decoding pass per video)
/// and stores them.
struct FrameExporter {
    let run: SelectionRun
    let input: any BlobStore
    let lightly: any BlobStore

    /// The frames of `run.selected`, in pick order.
    /// - Throws: ``StageError`` naming the datasource and key of a name that escapes the root,
    ///   is no frame name, names a missing video or a frame past the video's end.
    func export(progress: (Int, Int) -> Void) async throws -> [ExportedFrame] {
        let frames = try run.selected.map(parse)
        // Check every key before touching anything, so a bad name writes nothing.
        for frame in frames {
            try mapped { try ObjectKey.validate(frame.video, datasource: input.location.description) }
            try mapped { try ObjectKey.validate(run.frameKey(frame.name), datasource: lightly.location.description) }
        }
        var exported: [String: ExportedFrame] = [:]
        var missing: [String: [Int: String]] = [:]  // video → frame index → frame name
        for frame in frames where exported[frame.name] == nil {
            let key = run.frameKey(frame.name)
            if try await mapped({ try await lightly.head(key) }) != nil {
                let png = try await mapped { try await lightly.get(key, range: nil) }
                let size = try PNGSize(png, name: "\(lightly.location.description)/\(key)")
                exported[frame.name] = ExportedFrame(
                    name: frame.name, key: key, png: png, width: size.width, height: size.height, uploaded: false)
            } else {
                missing[frame.video, default: [:]][frame.index] = frame.name
            }
            progress(exported.count, frames.count)
        }
        for video in missing.keys.sorted() {
            try Task.checkCancellation()
            let wanted = missing[video, default: [:]]
            for (index, image) in try await extract(Set(wanted.keys), of: video) {
                guard let name = wanted[index] else { continue }
                let key = run.frameKey(name)
                let png: Data
                do { png = try image.pngData() } catch { throw StageError("cannot encode '\(name)' as PNG: \(error)") }
                try await mapped { try await lightly.put(key, data: png) }
                exported[name] = ExportedFrame(name: name, key: key, png: png, width: image.width, height: image.height, uploaded: true)
                progress(exported.count, frames.count)
            }
        }
        return frames.compactMap { exported[$0.name] }
    }

    private struct SelectedFrame {
        var name: String
        var video: String
        var index: Int
    }

    private func parse(_ name: String) throws -> SelectedFrame {
        guard let parsed = ParsedFrameName(name), parsed.imageExtension == "png" else {
            throw StageError(
                "Lightly datasource '\(lightly.location.description)', key '\(run.folder.key(SelectionRunFolder.selectedFilenames))': '\(name)' is not a frame name ({video without extension}-{index}-{extension}.png)",
                code: .invalidInput)
        }
        return SelectedFrame(name: name, video: parsed.videoPath, index: parsed.index)
    }

    /// Frames `indices` of `video` (``FrameExtractor``: one pass, frame N is the N-th frame decoded).
    private func extract(_ indices: Set<Int>, of video: String) async throws -> [Int: RGBImage] {
        let datasource = input.location.description
        guard try await mapped({ try await input.head(video) }) != nil else {
            throw StageError(
                "input datasource '\(datasource)', key '\(video)': no such video, but run '\(run.id)' (tag '\(run.tag)') selects frames of it",
                code: .invalidInput)
        }
        let (file, scratch) = try await localFile(video)
        // Best effort: only a downloaded copy of a remote video lives there.
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        return try FrameExtractor.frames(indices, of: file, datasource: input.location.objectURL(video))
    }

    /// The video as a local file: the file itself for a local datasource, a downloaded copy otherwise.
    private func localFile(_ video: String) async throws -> (URL, URL?) {
        if case .file(let root) = input.location { return (root.appendingPathComponent(video), nil) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-export-\(UUID().uuidString)")
        let file = scratch.appendingPathComponent((video as NSString).lastPathComponent)
        let data = try await mapped { try await input.get(video, range: nil) }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            try data.write(to: file)
        } catch {
            throw StageError("cannot store a copy of '\(video)' in '\(scratch.path)': \(error.localizedDescription)")
        }
        return (file, scratch)
    }
}

/// The width and height in a PNG's IHDR chunk.
struct PNGSize: Sendable, Hashable {
    var width: Int
    var height: Int

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// - Parameter name: for messages: where the bytes come from.
    init(_ data: Data, name: String) throws {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, Array(bytes[0..<8]) == Self.signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw StageError("'\(name)' is not a PNG file", code: .invalidInput)
        }
        func integer(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        width = integer(16)
        height = integer(20)
    }
}
