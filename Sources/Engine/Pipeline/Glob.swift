import Foundation
import PluginAPI

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
        guard !pattern.isEmpty else { return [] }
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
        var walker = GlobWalker(excluded: workdir.map { $0.standardizedFileURL.resolvingSymlinksInPath().path })
        try walker.walk(base.standardizedFileURL, relative: "", segments: rest[...])
        return walker.found
            .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { ItemSource(key: $0.key, path: $0.value) }
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
private struct GlobWalker {
    let excluded: String?
    var found: [String: URL] = [:]
    private let fileManager = FileManager.default

    init(excluded: String?) {
        self.excluded = excluded
    }

    mutating func walk(_ directory: URL, relative: String, segments: ArraySlice<GlobSegment>) throws {
        guard let segment = segments.first else { return }
        let rest = segments.dropFirst()
        switch segment {
        case .anyDirectories:
            // `x/**` means every file below x.
            let afterwards = rest.isEmpty ? [GlobSegment.name(GlobNamePattern("*"))][...] : rest
            try walk(directory, relative: relative, segments: afterwards)
            for name in try children(of: directory) where !name.hasPrefix(".") {
                let child = directory.appendingPathComponent(name)
                guard isPlainDirectory(child), !isExcluded(child) else { continue }
                try walk(child, relative: join(relative, name), segments: segments)
            }
        case .name(let namePattern):
            for name in try children(of: directory) where namePattern.matches(name) {
                let child = directory.appendingPathComponent(name)
                guard !isExcluded(child) else { continue }
                if rest.isEmpty {
                    if isRegularFile(child) { found[join(relative, name)] = child }
                } else if isDirectory(child) {
                    try walk(child, relative: join(relative, name), segments: rest)
                }
            }
        }
    }

    private func children(of directory: URL) throws -> [String] {
        guard isDirectory(directory) else { return [] }
        return try fileManager.contentsOfDirectory(atPath: directory.path)
    }

    private func join(_ relative: String, _ name: String) -> String {
        relative.isEmpty ? name : relative + "/" + name
    }

    private func isExcluded(_ url: URL) -> Bool {
        guard let excluded else { return false }
        return url.resolvingSymlinksInPath().path == excluded
    }

    private func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// A directory that is not a symbolic link: `**` descends only into these, so link loops cannot hang it.
    private func isPlainDirectory(_ url: URL) -> Bool {
        let values = try? url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
        // An entry we cannot stat is simply not descended into.
        return values?.isDirectory == true && values?.isSymbolicLink != true
    }

    private func isRegularFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
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
