internal import CTorchAPI

/// The libtorch shim's statuses: CTORCH_BAD_OUTPUT is `unexpectedOutput`, any other failure `code`.
enum TorchStatus {
    static func check(file: String?, code: InferenceError.Code, _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32)
        throws
    {
        try ShimStatus.check(file: file, code: code, special: (Int32(CTORCH_BAD_OUTPUT), .unexpectedOutput), body)
    }
}
