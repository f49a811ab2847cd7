import Foundation
import GRDB

/// A row type of the cache database. Every table stores times as seconds since 1970 (`REAL`),
/// as the first schema did, not as GRDB's default date text: one strategy, said here once.
protocol CacheTableRecord: FetchableRecord, PersistableRecord {}

extension CacheTableRecord {
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .timeIntervalSince1970
    }

    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .timeIntervalSince1970
    }
}
