/// The inference library that runs a detection model, and so the model file's format.
public enum DetectionRuntime: String, CaseIterable, Sendable, Hashable {
    /// A TorchScript file on libtorch (`DetectionModel`).
    case libtorch
    /// An OpenVINO IR (`.xml` beside its `.bin`) or ONNX file on OpenVINO's CPU plugin
    /// (`OpenVINODetectionModel`).
    case openvino
}
