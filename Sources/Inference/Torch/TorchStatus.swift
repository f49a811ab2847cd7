internal import CTorchAPI

/// Turns the shim's status codes and message buffer into ``InferenceError``s.
enum TorchStatus {
    static let messageCapacity = 4096

    /// Calls `body` with an error buffer; throws `code` (or `unexpectedOutput` for
    /// CTORCH_BAD_OUTPUT) with the shim's message when it fails.
    static func check(
        file: String?, code: InferenceError.Code,
        _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32
    ) throws {
        var buffer = [CChar](repeating: 0, count: messageCapacity)
        // The buffer is never empty, so its base address exists.
        let status = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        guard status != Int32(CTORCH_OK) else { return }
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let errorCode = status == Int32(CTORCH_BAD_OUTPUT) ? InferenceError.Code.unexpectedOutput : code
        throw InferenceError(errorCode, file: file, message)
    }
}
