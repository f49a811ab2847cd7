import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child's process group as an item's lease records it: the group id (the leader's pid) and
/// the leader's start time, so a recycled pid is never mistaken for the group.
///
/// When `orchestrate run` is SIGKILLed, the children it spawned for `exec` and external-plugin
/// items keep running as orphans; the next run kills them through this record.
public struct ProcessGroup: Sendable, Hashable {
    public var id: Int32
    /// The leader's start time in clock ticks since boot (`/proc/PID/stat`, field 22).
    public var leaderStart: Int64

    public init(id: Int32, leaderStart: Int64) {
        self.id = id
        self.leaderStart = leaderStart
    }

    /// The group that `pid` leads, read right after spawning it; nil when `/proc` has no entry.
    static func led(by pid: pid_t) -> ProcessGroup? {
        ProcessStat(pid: pid)?.startTime.map { ProcessGroup(id: pid, leaderStart: $0) }
    }

    /// Sends SIGKILL to the whole group, unless the group's id now belongs to another process.
    /// - Returns: whether a signal was delivered (false when the group is gone).
    @discardableResult
    func killAll() -> Bool {
        // A pid that leads or names a live group is never reused, so with the leader gone the
        // group id still means this group; with a leader of another start time, it does not.
        if let start = ProcessStat(pid: id)?.startTime, start != leaderStart { return false }
        return kill(-id, SIGKILL) == 0
    }
}
