import Foundation
import Synchronization

/// torchvision's C++ operator library (`nms`, `roi_align`, …), which TorchScript detection models
/// call and libtorch alone lacks. Each library file is loaded at most once per process.
public enum TorchvisionOperators {
    /// The environment variable that names the library file, overriding the search.
    public static let environmentVariable = "ORCHESTRATE_TORCHVISION_OPS"
    /// Where Debian's `python3-torchvision` installs it (`_C.cpython-*.so`).
    public static let searchDirectory = "/usr/lib/python3/dist-packages/torchvision"

    private static let loaded = Mutex<Set<String>>([])

    /// The library to load: `ORCHESTRATE_TORCHVISION_OPS` when set, else the `_C*.so` in
    /// ``searchDirectory``.
    /// - Throws: ``InferenceError`` `operatorsUnavailable` when neither exists.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let override = environment[environmentVariable], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: searchDirectory)) ?? []  // absent: reported below
        if let name = names.sorted().first(where: { $0.hasPrefix("_C") && $0.hasSuffix(".so") }) {
            return URL(fileURLWithPath: searchDirectory).appendingPathComponent(name)
        }
        throw InferenceError(
            .operatorsUnavailable, file: searchDirectory,
            "torchvision's operator library (_C*.so) was not found; install python3-torchvision "
                + "or set \(environmentVariable) to the library file")
    }

    /// Loads the library at `url` into this process (once per path; thread-safe).
    /// - Throws: ``InferenceError`` `operatorsUnavailable` naming the file and the loader's reason;
    ///   `torchUnavailable` when the libtorch shim cannot be loaded.
    public static func load(_ url: URL) throws {
        let path = url.path
        try loaded.withLock { loaded in
            if loaded.contains(path) { return }
            guard FileManager.default.fileExists(atPath: path) else {
                throw InferenceError(
                    .operatorsUnavailable, file: path,
                    "torchvision's operator library does not exist; install python3-torchvision or set "
                        + "\(environmentVariable) to the library file")
            }
            let shim = try TorchShim.shared()
            try TorchStatus.check(file: path, code: .operatorsUnavailable) { error, capacity in
                shim.loadOperatorLibrary(path, error, capacity)
            }
            loaded.insert(path)
        }
    }
}
