// swift-tools-version:6.0
import PackageDescription

// Module boundaries (docs/architecture.md): dependencies point one way,
// `orchestrate` → `Stages`/`Report` → the domain modules; `Engine` sees stages
// only through `PluginAPI`, and `Stages` never sees `Engine` (so never SQL).
let torchIncludes: [String] = [
    "-I/usr/include/torch/csrc/api/include",
]
// OpenVINO's C library and headers, from the PyPI wheel that scripts/setup.sh installs here
// (`pip install --target`); the shim records the folder as its rpath, so it loads at run time
// without LD_LIBRARY_PATH. The file name carries the wheel's version (2026.4.1).
let openVINORoot = "/opt/orchestrate/openvino/openvino"
let openVINOLibrary = "\(openVINORoot)/libs/libopenvino_c.so.2641"

let package = Package(
    name: "orchestrate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "orchestrate", targets: ["orchestrate"]),
        // The libtorch shim as its own library: Inference loads it on the first model load, so
        // only processes that run `detect` pay for loading and initialising libtorch.
        .library(name: "CTorchShim", type: .dynamic, targets: ["CTorchShim"]),
        // The OpenVINO shim, likewise loaded by the first `runtime: openvino` model load.
        .library(name: "COpenVINOShim", type: .dynamic, targets: ["COpenVINOShim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Command line
        .executableTarget(
            name: "orchestrate",
            dependencies: [
                "Engine", "Stages", "Lightly", "Report", "BrowserView", "JSON", "Spawn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The JSON value type that the plugin API and the Lightly formats share
        .target(name: "JSON"),
        // Escaping for XML and HTML text, shared by the report, the labelling formats and S3
        .target(name: "Markup"),
        // SHA-256 of bytes and files, as hex: one hasher for cache objects, keys and uploads
        .target(name: "ContentHash", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // posix_spawn: the one way a child process is started (Foundation's Process crashes on Linux)
        .target(name: "Spawn"),

        // Engine and the plugin contract
        .target(
            name: "PluginAPI",
            dependencies: ["JSON", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Engine",
            dependencies: [
                "PluginAPI", "JSON", "ContentHash", "Spawn",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Domain modules
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libavutil libswscale",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]
        ),
        .target(name: "Media", dependencies: ["CFFmpeg"]),
        .target(
            name: "CTorchShim",
            cxxSettings: [.unsafeFlags(torchIncludes + ["-std=c++17", "-D_GLIBCXX_USE_CXX11_ABI=1"])],
            linkerSettings: [
                .linkedLibrary("torch"), .linkedLibrary("torch_cpu"), .linkedLibrary("c10"),
                .linkedLibrary("dl"),
            ]
        ),
        .systemLibrary(name: "CTorchAPI"),
        .target(
            name: "COpenVINOShim",
            cSettings: [.unsafeFlags(["-I\(openVINORoot)/include"])],
            linkerSettings: [
                .unsafeFlags(["-Xlinker", openVINOLibrary, "-Xlinker", "-rpath", "-Xlinker", "\(openVINORoot)/libs"])
            ]
        ),
        .systemLibrary(name: "COpenVINOAPI"),
        .target(name: "Inference", dependencies: ["CTorchAPI", "COpenVINOAPI"]),
        .target(name: "Lightly", dependencies: ["JSON"]),
        // The labelling tools' formats (Label Studio, CVAT, COCO) and the label layout in a datasource
        .target(name: "Labels", dependencies: ["Lightly", "JSON", "Markup", "Spawn"]),
        .target(name: "Selection", dependencies: ["JSON"]),
        .target(
            name: "Storage",
            dependencies: ["ContentHash", "Markup", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .systemLibrary(
            name: "CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]
        ),
        .target(name: "Report", dependencies: ["CCairo", "JSON", "Markup", "Lightly"]),
        // The browser view's page and data files (`orchestrate view`); knows nothing of datasources
        .target(name: "BrowserView", dependencies: ["JSON", "Lightly"]),

        // Built-in stages: thin adapters from PluginAPI to the modules above
        .target(
            name: "Stages",
            dependencies: [
                "PluginAPI", "JSON", "Media", "Inference", "Lightly", "Labels", "Selection", "Storage", "Report",
                "BrowserView",
            ]
        ),

        // Benchmarks
        .executableTarget(name: "TorchBench", dependencies: ["Inference"], path: "bench/torch/TorchBench"),
        .executableTarget(
            name: "SelectionBench", dependencies: ["Selection", "TestSupport"], path: "bench/selection/SelectionBench"
        ),

        // Tests
        .target(
            name: "TestSupport",
            dependencies: ["PluginAPI", "JSON", "ContentHash", "Spawn", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "ContentHash", "JSON", "TestSupport"]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "TestSupport"]),
        .testTarget(
            name: "InferenceTests", dependencies: ["Inference", "Media", "TestSupport"], exclude: ["Fixtures"]
        ),
        .testTarget(name: "MarkupTests", dependencies: ["Markup"]),
        .testTarget(name: "SpawnTests", dependencies: ["Spawn"]),
        .testTarget(name: "LightlyTests", dependencies: ["Lightly", "JSON", "TestSupport"]),
        .testTarget(name: "LabelsTests", dependencies: ["Labels", "Lightly", "TestSupport"]),
        .testTarget(name: "SelectionTests", dependencies: ["Selection", "JSON", "TestSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "TestSupport"]),
        .testTarget(name: "StagesTests", dependencies: ["Stages", "Lightly", "Labels", "Report", "JSON", "TestSupport"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Lightly", "JSON", "TestSupport"]),
        .testTarget(name: "BrowserViewTests", dependencies: ["BrowserView", "Lightly", "JSON", "TestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
