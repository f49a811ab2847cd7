import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs `operation`, cancelling it on SIGINT or SIGTERM (so child processes are ended and
/// nothing half-done is committed) and then waiting for it to wind down: a run cancelled this
/// way still returns its summary. A second signal ends the process at once (default action).
enum Interruption {
    /// The operation's result (nil when it threw after the signal) and whether a signal came.
    struct Outcome<T: Sendable>: Sendable {
        var result: T?
        var interrupted: Bool
    }

    private enum Event<T: Sendable>: Sendable {
        case finished(T)
        case signalled
    }

    static func cancellingOnSignal<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> Outcome<T> {
        try await withThrowingTaskGroup(of: Event<T>.self) { group in
            group.addTask { .finished(try await operation()) }
            group.addTask {
                await waitForSignal()
                return .signalled
            }
            defer { group.cancelAll() }
            if case .finished(let result)? = try await group.next() { return Outcome(result: result, interrupted: false) }
            // Interrupted: the operation sees cancellation and winds down; its summary is kept.
            group.cancelAll()
            if case .finished(let result)? = try? await group.next() { return Outcome(result: result, interrupted: true) }
            return Outcome(result: nil, interrupted: true)
        }
    }

    private static func waitForSignal() async {
        let stream = AsyncStream<Void> { continuation in
            let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number)
                source.setEventHandler { continuation.yield() }
                source.resume()
                return source
            }
            let box = SignalSources(sources)
            continuation.onTermination = { _ in
                for source in box.sources { source.cancel() }
                for number in [SIGINT, SIGTERM] { signal(number, SIG_DFL) }
            }
        }
        for await _ in stream { return }
    }
}

// DispatchSource predates Sendable annotations; cancelling a source is documented as safe from
// any thread, and that is all the termination handler does with it.
private final class SignalSources: @unchecked Sendable {
    let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
}
