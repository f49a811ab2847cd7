internal import CFFmpeg

// One place that turns FFmpeg status codes into words and into MediaErrors.
enum FFmpegStatus {
    static let endOfFile = cffmpeg_eof()
    static let again = cffmpeg_eagain()
    static let invalidData = cffmpeg_invaliddata()
    static let exit = cffmpeg_exit()
    static let noTimestamp = cffmpeg_nopts()

    static func text(_ status: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(status, &buffer, buffer.count) < 0 { return "FFmpeg error \(status)" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// FFmpeg logs every damaged packet to stderr; errors reach callers as MediaErrors instead.
    /// The level is process-wide, and Media is the process's only FFmpeg user.
    static let quietLogging: Void = av_log_set_level(AV_LOG_FATAL)
}
