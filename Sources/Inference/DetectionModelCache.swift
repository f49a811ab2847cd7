import Foundation

/// The detection models loaded in this process, shared by everything that runs the same model
/// with the same settings: the items of a `detect` stage that run at once use one
/// ``DetectionModelPool`` instead of loading a copy each. A pool is keyed by the model file's
/// content (SHA-256), the runtime, the replica and thread counts and the device, and released
/// when the last user is done with it.
///
/// ```swift
/// let detections = try await DetectionModelCache.shared.withPool(url: model.url, digest: model.digest, runtime: .openvino) { pool in
///     try await pool.detect(frames)
/// }
/// ```
public actor DetectionModelCache {
    /// The cache of this process.
    public static let shared = DetectionModelCache()

    struct Key: Hashable {
        var digest: String
        var runtime: DetectionRuntime
        var replicas: Int
        var threads: Int
        var device: ComputeDevice
    }

    private struct Entry {
        var pool: Task<DetectionModelPool, any Error>
        var users: Int
    }

    private var entries: [Key: Entry] = [:]

    /// Pools held now.
    public var count: Int { entries.count }

    /// An empty cache; ``shared`` is the one of this process.
    public init() {}

    /// Calls `body` with the pool for these settings, loading it unless another caller holds it
    /// (arguments as ``DetectionModelPool/load(url:runtime:replicas:threads:device:)``).
    /// - Parameter digest: the SHA-256 of the model file, which identifies it: the engine has it
    ///   (a `file` parameter's resolution), so the file is not read again per item.
    /// - Throws: ``InferenceError`` from loading (`modelNotFound` when the file is gone), or what
    ///   `body` throws.
    public nonisolated func withPool<Result: Sendable>(
        url: URL, digest: String, runtime: DetectionRuntime, replicas: Int = 0, threads: Int = 0,
        device: ComputeDevice = .cpu, _ body: (DetectionModelPool) async throws -> Result
    ) async throws -> Result {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw InferenceError(.modelNotFound, file: url.path, "the model file does not exist")
        }
        let key = Key(digest: digest, runtime: runtime, replicas: replicas, threads: threads, device: device)
        let pool = try await acquire(key) {
            try await DetectionModelPool.load(
                url: url, runtime: runtime, replicas: replicas, threads: threads, device: device)
        }
        do {
            let result = try await body(pool)
            await release(key)
            return result
        } catch {
            await release(key)
            throw error
        }
    }

    private func acquire(
        _ key: Key, load: @escaping @Sendable () async throws -> DetectionModelPool
    ) async throws -> DetectionModelPool {
        let pool: Task<DetectionModelPool, any Error>
        if var entry = entries[key] {
            entry.users += 1
            entries[key] = entry
            pool = entry.pool
        } else {
            pool = Task { try await load() }
            entries[key] = Entry(pool: pool, users: 1)
        }
        do {
            return try await pool.value
        } catch {
            release(key)
            throw error
        }
    }

    private func release(_ key: Key) {
        guard var entry = entries[key] else { return }
        entry.users -= 1
        entries[key] = entry.users > 0 ? entry : nil
    }
}
