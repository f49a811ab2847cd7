/// A tiny fingerprint of a frame: the picture averaged down to 16×9 grey pixels (0–255).
/// Two frames whose signatures differ little look alike.
public struct FrameSignature: Sendable, Hashable {
    public static let width = 16
    public static let height = 9

    /// Row-major grey values, `width * height` of them.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses ``hex``; `nil` unless it is 288 hex digits.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.width * Self.height else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[pair]), let low = Self.nibble(digits[pair + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    /// Lower-case hex, two digits per pixel: the form `manifest.json` stores.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Mean absolute difference of the pixels, 0 (identical) to 255.
    public func meanAbsoluteDifference(to other: FrameSignature) -> Double {
        guard bytes.count == other.bytes.count, !bytes.isEmpty else { return 255 }
        var total = 0
        for (a, b) in zip(bytes, other.bytes) { total += abs(Int(a) - Int(b)) }
        return Double(total) / Double(bytes.count)
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
