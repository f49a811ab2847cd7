import Foundation
import PluginAPI

/// `foreach` globs: `*`, `?`, `[…]`, `**`; bytewise order; the workdir never matches.
/// Owner: engine-front.
public struct Glob: Sendable, Hashable {
    public var pattern: String

    public init(_ pattern: String) {
        self.pattern = pattern
    }

    /// The matches under `directory`, keyed by their path relative to the glob's base
    /// (the part before the first wildcard), in bytewise order of key.
    public func matches(in directory: URL, excluding workdir: URL?) throws -> [ItemSource] {
        []
    }
}
