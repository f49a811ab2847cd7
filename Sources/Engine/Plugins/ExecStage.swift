import Foundation
import Spawn
import PluginAPI

/// The built-in `exec` plugin: runs `with: {argv: [...]}` per item in the pipeline's
/// directory, no shell unless the argv names one.
///
/// The engine interpolates the argv (`${item.path}`, `${out}`, `${in.STAGE}`, …) before the
/// stage runs. Files the command writes under `${out}` are the item's outputs. Exit status 75
/// (`EX_TEMPFAIL`) is a transient failure, retried under `retries`; any other non-zero status
/// fails the item with the tail of its stderr. On timeout or cancellation the command's whole
/// process group is killed. `with: {gather: true}` makes it a gather stage.
public struct ExecStage: Stage {
    /// Exit status that marks a transient failure (sysexits' `EX_TEMPFAIL`).
    public static let transientExitStatus: Int32 = 75
    /// The command's stdout and stderr, in the attempt's scratch folder.
    static let logName = "exec.log"

    public init() {}

    public var descriptor: PluginDescriptor {
        PluginDescriptor(
            id: "exec", version: "1", summary: "Run a command per item; files written under ${out} are its outputs.",
            mode: .map,
            parameters: [
                ParameterSpec("argv", .list(.string), doc: "The command and its arguments, interpolated per item."),
                ParameterSpec("gather", .boolean, default: .bool(false), doc: "One item over all upstream items."),
            ]
        )
    }

    public func validate(_ parameters: Parameters) -> [ParameterIssue] {
        guard let argv = parameters["argv"]?.arrayValue else { return [] }
        if argv.isEmpty { return [ParameterIssue(["argv"], "must name a command: the list is empty")] }
        if argv[0].stringValue?.isEmpty == true { return [ParameterIssue(["argv", 0], "must name a command, not ''")] }
        return []
    }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        guard let argv = context.parameters["argv"]?.arrayValue?.compactMap(\.stringValue), !argv.isEmpty else {
            throw StageError("exec needs a non-empty 'argv' list of strings", code: .invalidParameter)
        }
        let log = context.scratchDirectory.appendingPathComponent(Self.logName)
        let process = Subprocess(argv: argv, directory: context.pipelineDirectory, stdinFile: nil, logFile: log,
                                 onSpawn: { await context.childProcessGroupStarted(leader: $0) })
        let termination: Spawn.Termination
        do {
            termination = try await process.run()
        } catch let error as SpawnError {
            throw StageError(error.message, code: .failed)
        }
        try Self.check(termination, subject: "'\(argv[0])'", log: log)
    }

    /// Turns a child's end into success, a transient failure (75) or a failure with its stderr
    /// tail; `subject` names the child in the message (`'sh'`, `plugin 'x' (item 'k')`).
    static func check(_ termination: Spawn.Termination, subject: String, log: URL) throws {
        switch termination {
        case .exited(0): return
        case .exited(transientExitStatus):
            throw StageError.transient("\(subject) exited with status 75 (transient)\(tail(of: log))")
        case .exited(let status):
            throw StageError("\(subject) exited with status \(status)\(tail(of: log))")
        case .signalled(let signal):
            throw StageError("\(subject) was killed by signal \(signal)\(tail(of: log))")
        }
    }

    /// The last lines of stderr, prefixed for an error message; empty when there are none.
    private static func tail(of log: URL) -> String {
        let lines = LogTail.lines(of: log, count: 10)
        return lines.isEmpty ? "" : ": " + lines.joined(separator: "\n")
    }
}
