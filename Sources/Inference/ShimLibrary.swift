import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One of the package's run-time-loaded shim libraries (`libCTorchShim.so`, `libCOpenVINOShim.so`):
/// where it is looked for, and loading it with `dlopen` so that its functions can be bound.
///
/// It is looked for in its environment variable when set, else next to the executable
/// (`.build/<config>/`, where SwiftPM puts it beside `orchestrate` and the test runner), else in
/// `../lib/` beside the executable's folder (an installed `bin/` + `lib/` layout).
struct ShimLibrary: Sendable {
    /// What the messages call it: "the libtorch shim".
    let name: String
    /// The SwiftPM product that builds it.
    let product: String
    let fileName: String
    let environmentVariable: String
    /// The error code of every failure to find or load it.
    let unavailable: InferenceError.Code

    /// The library file to load (see the type's documentation for the order).
    /// - Throws: ``InferenceError`` `unavailable`, listing the places looked in.
    func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    ) throws -> URL {
        if let override = environment[environmentVariable], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let folder = executable.deletingLastPathComponent()
        let candidates = [
            folder.appendingPathComponent(fileName),
            folder.deletingLastPathComponent().appendingPathComponent("lib").appendingPathComponent(fileName),
        ]
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) { return found }
        throw InferenceError(
            unavailable, file: candidates[0].path,
            "\(name) was not found (looked for '\(candidates[0].path)' and '\(candidates[1].path)'); "
                + "build it with `swift build --product \(product)` or set \(environmentVariable) to the library file")
    }

    /// `dlopen`s the library at `url` with `RTLD_GLOBAL` (libraries loaded later resolve against it).
    /// - Throws: ``InferenceError`` `unavailable` with the loader's reason (a missing file, a
    ///   missing dependency).
    func open(_ url: URL) throws -> Handle {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw InferenceError(
                unavailable, file: path,
                "\(name) does not exist; build it with `swift build --product \(product)` or set "
                    + "\(environmentVariable) to the library file")
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown loader error"
            throw InferenceError(unavailable, file: path, "cannot be loaded: \(reason)")
        }
        return Handle(library: self, path: path, handle: handle)
    }

    /// A loaded library, never unloaded.
    struct Handle {
        let library: ShimLibrary
        let path: String
        let handle: UnsafeMutableRawPointer

        /// The function `symbol` as the C function pointer type `Function`.
        /// - Throws: ``InferenceError`` naming the function the library lacks.
        func bind<Function>(_ symbol: String, as _: Function.Type) throws -> Function {
            guard let address = dlsym(handle, symbol) else {
                throw InferenceError(
                    library.unavailable, file: path,
                    "does not export '\(symbol)'; rebuild it with `swift build --product \(library.product)`")
            }
            return unsafeBitCast(address, to: Function.self)
        }
    }
}
