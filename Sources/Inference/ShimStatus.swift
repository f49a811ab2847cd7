/// Turns a shim's status codes and message buffer into ``InferenceError``s. Both shims return 0
/// for success and write a NUL-terminated message into the caller's buffer otherwise.
enum ShimStatus {
    static let messageCapacity = 4096

    /// Calls `body` with an error buffer; throws `code` with the shim's message when it fails,
    /// or `special.code` when the status is `special.status`.
    static func check(
        file: String?, code: InferenceError.Code, special: (status: Int32, code: InferenceError.Code)? = nil,
        _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32
    ) throws {
        var buffer = [CChar](repeating: 0, count: messageCapacity)
        // The buffer is never empty, so its base address exists.
        let status = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        guard status != 0 else { return }
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let errorCode = special.flatMap { $0.status == status ? $0.code : nil } ?? code
        throw InferenceError(errorCode, file: file, message)
    }
}
