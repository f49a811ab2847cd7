import Foundation
@testable import Inference
import TestSupport
import Testing

/// Finding and loading the libtorch shim, which `DetectionModel` loads on first use.
@Suite struct TorchShimTests {
    /// A `bin/` + `lib/` layout under a temporary folder; `shimIn` names where to put a shim file.
    private func layout(shimIn folder: String?) throws -> (TemporaryDirectory, executable: URL) {
        let directory = try TemporaryDirectory(prefix: "orchestrate-shim")
        for name in ["bin", "lib"] {
            try FileManager.default.createDirectory(
                at: directory.url.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        if let folder {
            try Data().write(to: directory.url.appendingPathComponent(folder).appendingPathComponent(TorchShim.fileName))
        }
        return (directory, directory.url.appendingPathComponent("bin/orchestrate"))
    }

    @Test func theShimBesideTheExecutableComesFirst() throws {
        let (directory, executable) = try layout(shimIn: "bin")
        defer { directory.remove() }
        let found = try TorchShim.locate(environment: [:], executable: executable)
        #expect(found.path == directory.url.appendingPathComponent("bin/libCTorchShim.so").path)
    }

    @Test func anInstalledLayoutFindsTheShimInLib() throws {
        let (directory, executable) = try layout(shimIn: "lib")
        defer { directory.remove() }
        let found = try TorchShim.locate(environment: [:], executable: executable)
        #expect(found.path == directory.url.appendingPathComponent("lib/libCTorchShim.so").path)
    }

    @Test func theEnvironmentOverridesTheSearch() throws {
        let (directory, executable) = try layout(shimIn: "bin")
        defer { directory.remove() }
        let found = try TorchShim.locate(
            environment: [TorchShim.environmentVariable: "/opt/torch/libCTorchShim.so"], executable: executable)
        #expect(found.path == "/opt/torch/libCTorchShim.so")
    }

    @Test func aMissingShimNamesThePlacesLookedIn() throws {
        let (directory, executable) = try layout(shimIn: nil)
        defer { directory.remove() }
        let error = try #require(throws: InferenceError.self) {
            try TorchShim.locate(environment: [:], executable: executable)
        }
        let beside = directory.url.appendingPathComponent("bin/libCTorchShim.so").path
        let installed = directory.url.appendingPathComponent("lib/libCTorchShim.so").path
        #expect(error.code == .torchUnavailable)
        #expect(error.file == beside)
        #expect(
            error.message
                == "the libtorch shim was not found (looked for '\(beside)' and '\(installed)'); build it with "
                + "`swift build --product CTorchShim` or set ORCHESTRATE_TORCH_SHIM to the library file")
    }

    @Test func aFileThatIsNotALibraryIsNamedWithTheLoadersReason() throws {
        let (directory, _) = try layout(shimIn: "bin")
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("bin/libCTorchShim.so")
        let error = try #require(throws: InferenceError.self) { try TorchShim.load(file) }
        #expect(error.code == .torchUnavailable)
        #expect(error.file == file.path)
        #expect(error.message.hasPrefix("cannot be loaded: "))
        #expect(error.message.contains(file.path))
    }

    @Test func aMissingFileIsNamed() throws {
        let file = URL(fileURLWithPath: "/nonexistent/libCTorchShim.so")
        let error = try #require(throws: InferenceError.self) { try TorchShim.load(file) }
        #expect(
            error.description
                == "torch_unavailable: '/nonexistent/libCTorchShim.so': the libtorch shim does not exist; build it with "
                + "`swift build --product CTorchShim` or set ORCHESTRATE_TORCH_SHIM to the library file")
    }

    @Test func theBuiltShimLoadsAndBindsEveryFunction() throws {
        let shim = try TorchShim.load(try TorchShim.locate(environment: [:]))
        var buffer = [CChar](repeating: 0, count: 256)
        let status = shim.loadOperatorLibrary("/nonexistent/_C.so", &buffer, buffer.count)
        #expect(status != 0)
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(message.contains("/nonexistent/_C.so"))
    }
}
