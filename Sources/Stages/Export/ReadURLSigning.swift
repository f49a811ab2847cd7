import Foundation
import JSON
import PluginAPI
import Storage

/// When read URLs are signed: at the start of the current signing window (a UTC day, or half the
/// expiry when that is shorter), not at the current second. Two exports in one window write
/// identical bytes, and a URL is still valid for at least `expiry - window` after it was written.
struct ReadURLSigning: Sendable, Hashable {
    /// S3's longest validity, 7 days: the `expiry` parameter's default (`7d`) and maximum.
    static let longestExpiry = 7 * 24 * 3600
    static let day = 24 * 3600

    /// Seconds a read URL is valid from its signing time.
    let expiry: Int

    init(expiry: Int) { self.expiry = expiry }

    /// `export`'s `expiry` (validation keeps it within 1 s to 7 d) in whole seconds, as S3 signs it.
    init(expiry: Duration) {
        self.init(expiry: Int(expiry.components.seconds))
    }

    /// The length of a signing window in seconds.
    var window: Int { max(1, min(Self.day, expiry / 2)) }

    /// The signing time for an export at `now`: the window's start on S3; the Unix epoch for a
    /// local datasource, whose `file://` URLs hold no time.
    func signingTime(now: Date, location: DatasourceURL) -> Date {
        guard case .s3 = location else { return Date(timeIntervalSince1970: 0) }
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        return Date(timeIntervalSince1970: TimeInterval(seconds - seconds % window))
    }

    /// Whether URLs signed at `signedAt` still have at least one window of validity left at `now`.
    func isFresh(signedAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(signedAt) < TimeInterval(expiry - window)
    }
}

/// A receipt of `export`: a frame it made sure is in the Lightly datasource, or when its read
/// URLs were signed. No URLs, no credentials.
enum ExportReceipt: Sendable, Hashable {
    case frame(key: String, size: Int)
    case signing(signedAt: Int, expiry: Int)

    init?(_ json: JSONValue) {
        guard let fields = json.objectValue else { return nil }
        if let key = fields["key"]?.stringValue, let size = fields["size"]?.intValue {
            self = .frame(key: key, size: size)
        } else if let signedAt = fields["signed_at"]?.intValue, let expiry = fields["expiry"]?.intValue {
            self = .signing(signedAt: signedAt, expiry: expiry)
        } else {
            return nil
        }
    }

    var json: JSONValue {
        switch self {
        case .frame(let key, let size): .object(["key": .string(key), "size": .int(size)])
        case .signing(let signedAt, let expiry): .object(["signed_at": .int(signedAt), "expiry": .int(expiry)])
        }
    }
}
