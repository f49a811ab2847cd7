import Synchronization

/// Stops a ``VideoDecoder`` from another thread: blocking reads return and the next decode
/// call throws ``MediaError/Code-swift.struct/interrupted``. Connect it to task cancellation:
///
/// ```swift
/// try await withTaskCancellationHandler {
///     try decodeEverything(decoder)
/// } onCancel: { interrupt.trigger() }
/// ```
public final class DecoderInterrupt: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func trigger() { flag.store(true, ordering: .relaxed) }

    public var isTriggered: Bool { flag.load(ordering: .relaxed) }
}
