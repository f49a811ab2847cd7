internal import CFFmpeg
import Foundation

/// Recognises a file's format from its first bytes alone, the file name ignored.
enum ContentProbe {
    private static let probeSize = 1 << 16

    /// The demuxer name whose probe claims the content, `nil` for unknown content.
    static func format(ofFileAt path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() } // closing a read-only handle cannot lose data
        guard let head = try? handle.read(upToCount: probeSize), !head.isEmpty else { return nil } // unreadable: unknown
        // FFmpeg's probes read up to AVPROBE_PADDING_SIZE bytes past the end: zero them.
        var buffer = [UInt8](head)
        buffer.append(contentsOf: [UInt8](repeating: 0, count: Int(AVPROBE_PADDING_SIZE)))
        var score: Int32 = 0
        let format: UnsafePointer<AVInputFormat>? = buffer.withUnsafeMutableBufferPointer { bytes in
            "".withCString { emptyName in
                var probe = AVProbeData(filename: emptyName, buf: bytes.baseAddress, buf_size: Int32(head.count), mime_type: nil)
                return av_probe_input_format3(&probe, 1, &score)
            }
        }
        guard let format, score > AVPROBE_SCORE_RETRY else { return nil }
        return String(cString: format.pointee.name)
    }
}
