import Foundation

/// A ZIP archive whose entries are stored uncompressed (method 0): what CVAT's importer and every
/// unzip tool read. Entries keep their order; no times are written (1980-01-01), so the same
/// entries give the same bytes.
public struct StoredZip: Sendable {
    private var entries: [(name: String, data: Data)] = []

    public init() {}

    public mutating func add(_ name: String, _ data: Data) { entries.append((name, data)) }

    /// The archive's bytes. ZIP64 is not written: each entry and the archive stay under 4 GiB.
    public var data: Data {
        var archive = Data()
        var central = Data()
        for entry in entries {
            let name = Data(entry.name.utf8)
            let crc = CRC32.checksum(entry.data)
            let offset = UInt32(archive.count)
            var header = Data()
            header.append(le32: 0x0403_4B50)
            header.append(le16: 20)  // version needed
            header.append(le16: 0x0800)  // UTF-8 names
            header.append(le16: 0)  // stored
            header.append(le16: 0)  // time
            header.append(le16: 0x21)  // 1980-01-01
            header.append(le32: crc)
            header.append(le32: UInt32(entry.data.count))
            header.append(le32: UInt32(entry.data.count))
            header.append(le16: UInt16(name.count))
            header.append(le16: 0)
            archive.append(header)
            archive.append(name)
            archive.append(entry.data)

            central.append(le32: 0x0201_4B50)
            central.append(le16: 20)  // made by
            central.append(header[4..<header.count - 2])  // version needed … name length: the same fields
            central.append(le16: 0)  // extra length
            central.append(le16: 0)  // comment length
            central.append(le16: 0)  // disk
            central.append(le16: 0)  // internal attributes
            central.append(le32: 0)  // external attributes
            central.append(le32: offset)
            central.append(name)
        }
        let centralOffset = UInt32(archive.count)
        archive.append(central)
        archive.append(le32: 0x0605_4B50)
        archive.append(le16: 0)
        archive.append(le16: 0)
        archive.append(le16: UInt16(entries.count))
        archive.append(le16: UInt16(entries.count))
        archive.append(le32: UInt32(central.count))
        archive.append(le32: centralOffset)
        archive.append(le16: 0)
        return archive
    }
}

/// CRC-32 (IEEE 802.3), as ZIP stores it.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { value in
        var crc = UInt32(value)
        for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        return crc
    }

    static func checksum(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension Data {
    fileprivate mutating func append(le16 value: UInt16) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
    fileprivate mutating func append(le32 value: UInt32) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
}
