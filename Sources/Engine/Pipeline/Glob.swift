import Foundation
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// A `foreach` glob: `*`, `?`, `[…]` (`[a-c]`, `[!a]`) and `**` (zero or more directories),
/// relative to the pipeline's directory.
///
/// Matches are regular files (symbolic links to files included), in bytewise order of key;
/// the key is the path relative to the glob's base, the part before the first wildcard:
/// `videos/**/*.mp4` gives `short.mp4` and `clips/game.mp4`. Names starting with `.` match
/// only a pattern segment that starts with `.`, and `**` never enters hidden folders, symbolic
/// links to folders, or the workdir. A `[` without its `]` is a literal character.
public struct Glob: Sendable, Hashable {
    public var pattern: String

    public init(_ pattern: String) {
        self.pattern = pattern
    }

    /// The part of the pattern before the first wildcard: the folder keys are relative to.
    public var baseDirectoryPath: String {
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let literalCount = segments.prefix { !GlobSegment.hasWildcard($0) }.count
        // A pattern without wildcards names a file: its base is the file's folder.
        let baseCount = literalCount == segments.count ? max(0, segments.count - 1) : literalCount
        return segments.prefix(baseCount).joined(separator: "/")
    }

    /// The matches under `directory`, keyed by their path relative to the glob's base
    /// (the part before the first wildcard), in bytewise order of key.
    ///
    /// - Throws: the file system's error when a folder on the way cannot be read.
    public func matches(in directory: URL, excluding workdir: URL?) throws -> [ItemSource] {
        guard let walker = try walk(in: directory, excluding: workdir, stopAtFirstMatch: false) else { return [] }
        return walker.found
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { ItemSource(key: $0.key, path: URL(fileURLWithPath: $0.value, isDirectory: false)) }
    }

    /// Whether anything matches: the walk stops at the first match (validation's empty-glob check).
    /// - Throws: the file system's error when a folder on the way cannot be read.
    public func hasMatches(in directory: URL, excluding workdir: URL?) throws -> Bool {
        try walk(in: directory, excluding: workdir, stopAtFirstMatch: true).map { !$0.found.isEmpty } ?? false
    }

    private func walk(in directory: URL, excluding workdir: URL?, stopAtFirstMatch: Bool) throws -> GlobWalker? {
        guard !pattern.isEmpty else { return nil }
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let basePath = baseDirectoryPath
        let baseCount = basePath.isEmpty ? (pattern.hasPrefix("/") ? 1 : 0)
            : basePath.split(separator: "/", omittingEmptySubsequences: false).count
        let base: URL
        if pattern.hasPrefix("/") {
            base = URL(fileURLWithPath: basePath.isEmpty ? "/" : basePath, isDirectory: true)
        } else {
            base = basePath.isEmpty ? directory : directory.appendingPathComponent(basePath, isDirectory: true)
        }
        let rest = segments.dropFirst(baseCount).filter { !$0.isEmpty }.map(GlobSegment.init)
        var walker = GlobWalker(
            excluded: workdir.map { $0.standardizedFileURL.resolvingSymlinksInPath().path }, stopAtFirstMatch: stopAtFirstMatch)
        try walker.walk(base.standardizedFileURL.path, relative: "", segments: rest[...])
        return walker
    }
}

/// One `/`-separated part of a pattern.
enum GlobSegment: Hashable {
    case anyDirectories
    case name(GlobNamePattern)

    init(_ text: String) {
        self = text == "**" ? .anyDirectories : .name(GlobNamePattern(text))
    }

    static func hasWildcard(_ text: String) -> Bool {
        text.contains("*") || text.contains("?") || GlobNamePattern(text).hasCharacterClass
    }
}

/// Walks the file tree, collecting the files that match the remaining segments.
///
/// It works on path strings with one `stat` per candidate: a `foreach` over 10 000 files is
/// globbed on every run, and URL values cost several times the system calls here.
private struct GlobWalker {
    let excluded: String?
    let stopAtFirstMatch: Bool
    /// Matched paths by key (`**` can reach a file along several routes).
    var found: [String: String] = [:]

    init(excluded: String?, stopAtFirstMatch: Bool) {
        self.excluded = excluded
        self.stopAtFirstMatch = stopAtFirstMatch
    }

    private var done: Bool { stopAtFirstMatch && !found.isEmpty }

    mutating func walk(_ directory: String, relative: String, segments: ArraySlice<GlobSegment>) throws {
        guard let segment = segments.first else { return }
        let rest = segments.dropFirst()
        switch segment {
        case .anyDirectories:
            // `x/**` means every file below x.
            let afterwards = rest.isEmpty ? [GlobSegment.name(GlobNamePattern("*"))][...] : rest
            try walk(directory, relative: relative, segments: afterwards)
            // `**` descends only into folders that are not symbolic links, so link loops cannot hang it.
            for name in try children(of: directory) where !name.hasPrefix(".") && !done {
                let child = Self.join(directory, name)
                guard Self.kind(of: child, followingLinks: false) == S_IFDIR, !isExcluded(child) else { continue }
                try walk(child, relative: relative.isEmpty ? name : relative + "/" + name, segments: segments)
            }
        case .name(let namePattern):
            for name in try children(of: directory) where !done && namePattern.matches(name) {
                let child = Self.join(directory, name)
                let kind = Self.kind(of: child, followingLinks: true)
                let key = relative.isEmpty ? name : relative + "/" + name
                if rest.isEmpty {
                    // A regular file is never the workdir (a folder): only folders are checked against it.
                    if kind == S_IFREG { found[key] = child }
                } else if kind == S_IFDIR, !isExcluded(child) {
                    try walk(child, relative: key, segments: rest)
                }
            }
        }
    }

    private func children(of directory: String) throws -> [String] {
        guard Self.kind(of: directory, followingLinks: true) == S_IFDIR else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory)
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    private func isExcluded(_ path: String) -> Bool {
        guard let excluded else { return false }
        return URL(fileURLWithPath: path, isDirectory: true).resolvingSymlinksInPath().path == excluded
    }

    /// The file type bits (`S_IFREG`, `S_IFDIR`, …); 0 for an entry that cannot be stat'ed,
    /// which is then neither matched nor descended into.
    private static func kind(of path: String, followingLinks: Bool) -> mode_t {
        var info = stat()
        let status = followingLinks ? stat(path, &info) : lstat(path, &info)
        return status == 0 ? info.st_mode & S_IFMT : 0
    }
}

/// A single file-name pattern: `*`, `?` and `[…]` over Unicode scalars.
struct GlobNamePattern: Hashable {
    enum Token: Hashable {
        case scalar(Unicode.Scalar)
        case anyScalar
        case anyRun
        case set(negated: Bool, ranges: [ClosedRange<UInt32>])
    }

    let tokens: [Token]
    let startsWithDot: Bool

    init(_ text: String) {
        startsWithDot = text.hasPrefix(".")
        var tokens: [Token] = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "*":
                if tokens.last != .anyRun { tokens.append(.anyRun) }
                index += 1
            case "?":
                tokens.append(.anyScalar)
                index += 1
            case "[":
                if let (set, next) = Self.parseSet(scalars, from: index) {
                    tokens.append(set)
                    index = next
                } else {
                    tokens.append(.scalar(scalar))
                    index += 1
                }
            default:
                tokens.append(.scalar(scalar))
                index += 1
            }
        }
        self.tokens = tokens
    }

    var hasCharacterClass: Bool {
        tokens.contains { if case .set = $0 { true } else { false } }
    }

    /// Parses `[…]` starting at `start` (the `[`); `nil` when it has no closing `]`.
    private static func parseSet(_ scalars: [Unicode.Scalar], from start: Int) -> (Token, Int)? {
        var index = start + 1
        var negated = false
        if index < scalars.count, scalars[index] == "!" || scalars[index] == "^" {
            negated = true
            index += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while index < scalars.count {
            let scalar = scalars[index]
            // A `]` right after `[` or `[!` is a member, as in POSIX.
            if scalar == "]", !first { return (.set(negated: negated, ranges: ranges), index + 1) }
            first = false
            if index + 2 < scalars.count, scalars[index + 1] == "-", scalars[index + 2] != "]" {
                let low = scalar.value, high = scalars[index + 2].value
                ranges.append(min(low, high)...max(low, high))
                index += 3
            } else {
                ranges.append(scalar.value...scalar.value)
                index += 1
            }
        }
        return nil
    }

    func matches(_ name: String) -> Bool {
        if name.hasPrefix("."), !startsWithDot { return false }
        let scalars = Array(name.unicodeScalars)
        // Iterative wildcard matching with single-star backtracking.
        var t = 0, s = 0
        var starToken = -1, starScalar = 0
        while s < scalars.count {
            if t < tokens.count, tokens[t] != .anyRun, Self.matches(tokens[t], scalars[s]) {
                t += 1
                s += 1
            } else if t < tokens.count, tokens[t] == .anyRun {
                starToken = t
                starScalar = s
                t += 1
            } else if starToken >= 0 {
                t = starToken + 1
                starScalar += 1
                s = starScalar
            } else {
                return false
            }
        }
        while t < tokens.count, tokens[t] == .anyRun { t += 1 }
        return t == tokens.count
    }

    private static func matches(_ token: Token, _ scalar: Unicode.Scalar) -> Bool {
        switch token {
        case .scalar(let expected): expected == scalar
        case .anyScalar: true
        case .anyRun: true
        case .set(let negated, let ranges): ranges.contains { $0.contains(scalar.value) } != negated
        }
    }
}
