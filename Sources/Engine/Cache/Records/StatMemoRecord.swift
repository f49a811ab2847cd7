import GRDB
import PluginAPI

/// A source file's digest memoised by its stat (`stat_memo`).
struct StatMemoRecord: Encodable, CacheTableRecord {
    static let databaseTableName = "stat_memo"

    var path: String
    var device: Int64
    var inode: Int64
    var size: Int64
    var mtimeNanoseconds: Int64
    var digest: String

    enum CodingKeys: String, CodingKey {
        case path, device = "dev", inode = "ino", size, mtimeNanoseconds = "mtime_ns", digest
    }

    enum Columns {
        static let path = Column(CodingKeys.path)
        static let device = Column(CodingKeys.device)
        static let inode = Column(CodingKeys.inode)
        static let size = Column(CodingKeys.size)
        static let mtimeNanoseconds = Column(CodingKeys.mtimeNanoseconds)
        static let digest = Column(CodingKeys.digest)
    }

    init(path: String, memo: SourceDigest) {
        self.path = path
        device = memo.stat.device
        inode = memo.stat.inode
        size = memo.stat.size
        mtimeNanoseconds = memo.stat.mtimeNanoseconds
        digest = memo.sha256
    }

    // Decoded by hand, not through `Decodable`: every run reads the whole memo (a row per source file).
    init(row: Row) {
        path = row[Columns.path]
        device = row[Columns.device]
        inode = row[Columns.inode]
        size = row[Columns.size]
        mtimeNanoseconds = row[Columns.mtimeNanoseconds]
        digest = row[Columns.digest]
    }

    var memo: SourceDigest {
        SourceDigest(sha256: digest, stat: FileStat(device: device, inode: inode, size: size, mtimeNanoseconds: mtimeNanoseconds))
    }
}
