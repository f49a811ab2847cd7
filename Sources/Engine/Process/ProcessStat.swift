import Foundation

/// A process's line in `/proc/PID/stat`, as far as the engine reads it.
struct ProcessStat {
    /// Field 3 on: the state (`R`, `S`, `Z`, …) first; field N is at index N − 3.
    private let fields: [Substring]

    /// `nil` when the process is gone (or `/proc` is not there).
    init?(pid: Int32) {
        // Unreadable means no such process: callers treat it as gone.
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let nameEnd = text.lastIndex(of: ")") else { return nil }
        // The name (field 2) may hold spaces and parentheses, so split after its last ')'.
        fields = text[text.index(after: nameEnd)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
    }

    /// Exited but not yet reaped by its parent: it runs no more code.
    var isZombie: Bool { fields[0] == "Z" }

    /// Clock ticks from boot to the process's start (field 22).
    var startTime: Int64? { Int64(fields[19]) }
}
