import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process as lease rows and staging folders name it: pid plus the kernel's boot id,
/// so a pid from before a reboot is never mistaken for a live process.
public struct ProcessIdentity: Sendable, Hashable {
    public var pid: Int32
    public var bootID: String

    public static let current = ProcessIdentity(pid: getpid(), bootID: readBootID())

    public init(pid: Int32, bootID: String) {
        self.pid = pid
        self.bootID = bootID
    }

    /// Whether the process may still be running: same boot, and the pid exists and is no
    /// zombie (a killed run whose parent has not reaped it yet is dead).
    public var isAlive: Bool {
        guard bootID == ProcessIdentity.current.bootID else { return false }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        return ProcessStat(pid: pid)?.isZombie != true
    }

    private static func readBootID() -> String {
        // Absent outside Linux; a constant then still works within one boot.
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? "unknown-boot"
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
