import Crypto
import Foundation

/// SHA-256 digests as lower-case hex, of bytes and of files: the one hasher behind cache keys,
/// cache objects, source digests and datasource uploads.
///
/// ```swift
/// let key = ContentHash.sha256(of: Data("{}".utf8))
/// let (digest, size) = try ContentHash.sha256(of: URL(fileURLWithPath: "a.mp4"))
/// ```
public enum ContentHash {
    /// A digest's bytes as lower-case hex.
    public static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let table: [UInt8] = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(table[Int(byte >> 4)])
            bytes.append(table[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The SHA-256 of `data`.
    public static func sha256(of data: Data) -> String { hex(SHA256.hash(data: data)) }

    /// The SHA-256 and size of a file's bytes, read in 1 MiB chunks (never the whole file in
    /// memory). With `fsync`, the file is also flushed to disk before the result is returned:
    /// callers about to record the digest durably must not record bytes the disk may lose.
    /// - Throws: ``FileReadError`` naming the file.
    public static func sha256(of file: URL, fsync shouldSync: Bool = false) throws(FileReadError) -> (digest: String, size: Int64) {
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileReadError(file: file, errno: errno, action: "open") }
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, chunk)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileReadError(file: file, errno: errno, action: "read")
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += Int64(count)
        }
        if shouldSync { _ = fsync(fd) }
        return (hex(hasher.finalize()), size)
    }
}

/// A file that could not be hashed, and why.
public struct FileReadError: Error, Sendable, Hashable, CustomStringConvertible {
    public let file: URL
    public let errno: Int32
    /// What failed: `open` or `read`.
    public let action: String

    init(file: URL, errno: Int32, action: String) {
        self.file = file
        self.errno = errno
        self.action = action
    }

    public var description: String {
        "cannot \(action) '\(file.path)': \(String(cString: strerror(errno)).lowercased())"
    }
}
