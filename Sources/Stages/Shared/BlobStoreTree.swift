import Foundation
import Lightly
import Storage

/// A datasource seen as a Lightly tree, so ``LightlyDatasourceReader`` reads local folders and
/// S3 prefixes alike.
struct BlobStoreTree: LightlyTreeSource {
    let store: any BlobStore

    func list(prefix: String) async throws -> [String] {
        try await store.list(prefix: prefix).map(\.key).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    func read(_ path: String) async throws -> Data {
        try await store.get(path, range: nil)
    }
}
