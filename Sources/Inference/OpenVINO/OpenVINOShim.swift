internal import COpenVINOAPI
import Foundation
import Synchronization

/// The OpenVINO shim (`libCOpenVINOShim.so`, the `COpenVINOShim` product), loaded on first use
/// like ``TorchShim``: only processes that run an OpenVINO model load OpenVINO. The shim finds
/// OpenVINO's own libraries through its rpath (the folder `scripts/setup.sh` installs the wheel in).
/// Where it is looked for: ``ShimLibrary`` (`ORCHESTRATE_OPENVINO_SHIM`, beside the executable,
/// `../lib/`).
struct OpenVINOShim: @unchecked Sendable {
    // @unchecked: C function pointers into a library that is never unloaded; immutable.
    static let library = ShimLibrary(
        name: "the OpenVINO shim", product: "COpenVINOShim", fileName: "libCOpenVINOShim.so",
        environmentVariable: "ORCHESTRATE_OPENVINO_SHIM", unavailable: .openVINOUnavailable)

    let modelLoad: covino_model_load_fn
    let modelFree: covino_model_free_fn
    let modelOutputCount: covino_model_output_count_fn
    let modelOutputName: covino_model_output_name_fn
    let requestCreate: covino_request_create_fn
    let requestFree: covino_request_free_fn
    let requestInfer: covino_request_infer_fn
    let requestOutput: covino_request_output_fn

    // As for TorchShim: the bound shim is kept once loaded, a failure is not.
    private static let loaded = Mutex<OpenVINOShim?>(nil)

    /// The shim of this process, loading it on the first call (thread-safe).
    /// - Throws: ``InferenceError`` `openVINOUnavailable` naming the library file and what is wrong.
    static func shared() throws -> OpenVINOShim {
        try loaded.withLock { loaded in
            if let loaded { return loaded }
            let shim = try load(library.locate())
            loaded = shim
            return shim
        }
    }

    /// Loads the shim at `url` and binds its functions.
    static func load(_ url: URL) throws -> OpenVINOShim {
        let handle = try library.open(url)
        return OpenVINOShim(
            modelLoad: try handle.bind("covino_model_load", as: covino_model_load_fn.self),
            modelFree: try handle.bind("covino_model_free", as: covino_model_free_fn.self),
            modelOutputCount: try handle.bind("covino_model_output_count", as: covino_model_output_count_fn.self),
            modelOutputName: try handle.bind("covino_model_output_name", as: covino_model_output_name_fn.self),
            requestCreate: try handle.bind("covino_request_create", as: covino_request_create_fn.self),
            requestFree: try handle.bind("covino_request_free", as: covino_request_free_fn.self),
            requestInfer: try handle.bind("covino_request_infer", as: covino_request_infer_fn.self),
            requestOutput: try handle.bind("covino_request_output", as: covino_request_output_fn.self))
    }
}
