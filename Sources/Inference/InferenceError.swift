/// An error from loading or running a model (detection or embedding), naming the model file.
public struct InferenceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; new codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The model file does not exist.
        public static let modelNotFound = Code("model_not_found")
        /// The runtime could not load the file as a model (corrupt, truncated, not a model of its format).
        public static let modelUnreadable = Code("model_unreadable")
        /// The libtorch shim (`libCTorchShim.so`) or libtorch itself is missing or could not be loaded.
        public static let torchUnavailable = Code("torch_unavailable")
        /// The OpenVINO shim (`libCOpenVINOShim.so`) or OpenVINO itself is missing or could not be loaded.
        public static let openVINOUnavailable = Code("openvino_unavailable")
        /// torchvision's operator library is missing or could not be loaded.
        public static let operatorsUnavailable = Code("operators_unavailable")
        /// The requested device is not available to this libtorch.
        public static let deviceUnavailable = Code("device_unavailable")
        /// A frame handed to `detect` is malformed (size, buffer length).
        public static let invalidFrame = Code("invalid_frame")
        /// The model ran but did not return torchvision's detections.
        public static let unexpectedOutput = Code("unexpected_output")
        /// The forward pass itself failed.
        public static let inferenceFailed = Code("inference_failed")
    }

    public var code: Code
    /// The model or library file concerned, when there is one.
    public var file: String?
    public var message: String

    public init(_ code: Code, file: String?, _ message: String) {
        self.code = code
        self.file = file
        self.message = message
    }

    public var description: String {
        guard let file else { return "\(code): \(message)" }
        return "\(code): '\(file)': \(message)"
    }
}
