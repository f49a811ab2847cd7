internal import CTorchAPI
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The libtorch shim (`libCTorchShim.so`, the `CTorchShim` product), loaded on first use.
///
/// Linking libtorch into the executable costs every command about a second of CPU at start-up
/// (relocating ~280 libraries and running libtorch's static initialisers), though only `detect`
/// uses it. So the shim is a library of its own, `dlopen`ed by the first model load and bound
/// function by function with `dlsym`; the types come from `ctorch.h` through `CTorchAPI`.
/// Where it is looked for: ``ShimLibrary`` (`ORCHESTRATE_TORCH_SHIM`, beside the executable, `../lib/`).
struct TorchShim: @unchecked Sendable {
    // @unchecked: C function pointers into a library that is never unloaded; immutable.
    static let environmentVariable = "ORCHESTRATE_TORCH_SHIM"
    static let fileName = "libCTorchShim.so"

    let loadOperatorLibrary: ctorch_load_operator_library_fn
    let modelLoad: ctorch_model_load_fn
    let modelFree: ctorch_model_free_fn
    let modelDetect: ctorch_model_detect_fn
    let resultFrame: ctorch_result_frame_fn
    let resultFree: ctorch_result_free_fn
    let modelEmbed: ctorch_model_embed_fn
    let floatsFree: ctorch_floats_free_fn

    // dlopen is process-wide anyway: the bound shim is kept once loaded. A failure is not kept,
    // so a later call after fixing the environment can still succeed.
    private static let loaded = Mutex<TorchShim?>(nil)

    /// The shim of this process, loading it on the first call (thread-safe).
    /// - Throws: ``InferenceError`` `torchUnavailable` naming the library file and what is wrong.
    static func shared() throws -> TorchShim {
        try loaded.withLock { loaded in
            if let loaded { return loaded }
            let shim = try load(locate())
            setBLASThreads(1)
            loaded = shim
            return shim
        }
    }

    /// libtorch's intra-op thread count for a request: `requested` when positive, else one per core.
    static func intraOpThreads(_ requested: Int) -> Int {
        requested > 0 ? requested : ProcessInfo.processInfo.activeProcessorCount
    }

    /// Sets OpenBLAS's own thread pool (libtorch's linear layers) to `threads`, when libtorch uses
    /// OpenBLAS. Process-wide, so it is set once, when the shim loads, to one thread: its default
    /// (a thread per core for every pass) oversubscribes the cores when several passes run at
    /// once, and its thread count changes results in the last bits, so models loaded with
    /// different thread counts must not change it under each other.
    private static func setBLASThreads(_ threads: Int) {
        typealias SetThreads = @convention(c) (Int32) -> Void
        // The shim was loaded RTLD_GLOBAL, so its libopenblas is visible to a global lookup.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "openblas_set_num_threads") else { return }
        unsafeBitCast(symbol, to: SetThreads.self)(Int32(threads))
    }

    /// Loads the TorchScript file at `path` on `device` with `threads` intra-op threads.
    /// - Throws: ``InferenceError``: `deviceUnavailable` (CUDA) or `modelUnreadable`.
    func loadModel(_ path: String, device: ComputeDevice, threads: Int) throws -> OpaquePointer {
        var model: OpaquePointer?
        try TorchStatus.check(file: path, code: device == .cuda ? .deviceUnavailable : .modelUnreadable) {
            error, capacity in
            modelLoad(
                path, device == .cuda ? Int32(CTORCH_DEVICE_CUDA) : Int32(CTORCH_DEVICE_CPU), Int32(threads),
                &model, error, capacity)
        }
        guard let model else { throw InferenceError(.modelUnreadable, file: path, "libtorch returned no model") }
        return model
    }

    /// The shim's file and where it is looked for.
    static let library = ShimLibrary(
        name: "the libtorch shim", product: "CTorchShim", fileName: fileName, environmentVariable: environmentVariable,
        unavailable: .torchUnavailable)

    /// The library file to load (see ``ShimLibrary``).
    /// - Throws: ``InferenceError`` `torchUnavailable` listing the places looked in.
    static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    ) throws -> URL {
        try library.locate(environment: environment, executable: executable)
    }

    /// Loads the shim at `url` and binds its functions.
    /// - Throws: ``InferenceError`` `torchUnavailable` with the loader's reason (a missing file,
    ///   a missing libtorch) or the first function the library lacks.
    static func load(_ url: URL) throws -> TorchShim {
        // RTLD_GLOBAL, as when libtorch was linked into the executable: torchvision's operator
        // library, loaded later, resolves against the same libtorch.
        let handle = try library.open(url)
        return TorchShim(
            loadOperatorLibrary: try handle.bind("ctorch_load_operator_library", as: ctorch_load_operator_library_fn.self),
            modelLoad: try handle.bind("ctorch_model_load", as: ctorch_model_load_fn.self),
            modelFree: try handle.bind("ctorch_model_free", as: ctorch_model_free_fn.self),
            modelDetect: try handle.bind("ctorch_model_detect", as: ctorch_model_detect_fn.self),
            resultFrame: try handle.bind("ctorch_result_frame", as: ctorch_result_frame_fn.self),
            resultFree: try handle.bind("ctorch_result_free", as: ctorch_result_free_fn.self),
            modelEmbed: try handle.bind("ctorch_model_embed", as: ctorch_model_embed_fn.self),
            floatsFree: try handle.bind("ctorch_floats_free", as: ctorch_floats_free_fn.self))
    }
}
