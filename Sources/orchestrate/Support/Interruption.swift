import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs `operation`, cancelling it on SIGINT or SIGTERM (so child processes are ended and
/// nothing half-done is committed). Returns `nil` when interrupted.
enum Interruption {
    static func cancellingOnSignal<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                await waitForSignal()
                return nil
            }
            defer { group.cancelAll() }
            let first = try await group.next() ?? nil
            if first == nil {
                // Interrupted: let the operation wind down (it sees cancellation) before returning.
                group.cancelAll()
                while let _ = try? await group.next() {}
            }
            return first
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
