import Foundation

/// The end of a child's log, quoted in the error that fails its item.
enum LogTail {
    /// The last `count` non-blank lines of the last `maxBytes` bytes of `log`; empty when the
    /// log is missing or blank.
    static func lines(of log: URL, count: Int, maxBytes: Int = 2000) -> [String] {
        // No log (the child never started, or the folder is gone): nothing to quote.
        guard let data = try? Data(contentsOf: log), !data.isEmpty else { return [] }
        let text = String(decoding: data.suffix(maxBytes), as: UTF8.self)
        let lines = text.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }
        return lines.suffix(count).map(String.init)
    }
}
