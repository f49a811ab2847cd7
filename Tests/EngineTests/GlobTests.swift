import Engine
import Foundation
import PluginAPI
import Testing
import TestSupport

@Suite struct GlobTests {
    /// A folder holding `files` (empty files), removed by the caller.
    private func tree(_ files: [String]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "orchestrate-glob")
        for file in files {
            let url = directory.url.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.utf8).write(to: url)
        }
        return directory
    }

    private func keys(_ pattern: String, in directory: TemporaryDirectory, excluding workdir: String? = nil) throws -> [String] {
        try Glob(pattern).matches(in: directory.url, excluding: workdir.map { directory.url.appendingPathComponent($0) }).map(\.key)
    }

    @Test func doubleStarMatchesZeroOrMoreDirectoriesAndKeysKeepSubfolders() throws {
        let directory = try tree([
            "videos/short.mp4", "videos/clips/game.mp4", "videos/clips/deep/rally.mp4", "videos/notes.txt", "other/x.mp4",
        ])
        defer { directory.remove() }
        #expect(try keys("videos/**/*.mp4", in: directory) == ["clips/deep/rally.mp4", "clips/game.mp4", "short.mp4"])
        #expect(try keys("videos/**", in: directory) == ["clips/deep/rally.mp4", "clips/game.mp4", "notes.txt", "short.mp4"])
        #expect(try keys("**/*.mp4", in: directory) == [
            "other/x.mp4", "videos/clips/deep/rally.mp4", "videos/clips/game.mp4", "videos/short.mp4",
        ])
    }

    @Test func sourcesAreAbsolutePathsOfTheMatchedFiles() throws {
        let directory = try tree(["videos/clips/game.mp4"])
        defer { directory.remove() }
        let matches = try Glob("videos/**/*.mp4").matches(in: directory.url, excluding: nil)
        #expect(matches.map(\.path.path) == [directory.url.appendingPathComponent("videos/clips/game.mp4").standardizedFileURL.path])
    }

    @Test func questionMarkMatchesExactlyOneCharacter() throws {
        let directory = try tree(["data/clip1.mp4", "data/clip2.mp4", "data/clip10.mp4", "data/clip.mp4"])
        defer { directory.remove() }
        #expect(try keys("data/clip?.mp4", in: directory) == ["clip1.mp4", "clip2.mp4"])
    }

    @Test func characterClassesMatchRangesAndNegations() throws {
        let directory = try tree(["data/a.mp4", "data/b.mp4", "data/c.mp4", "data/d.mp4", "data/[x.mp4"])
        defer { directory.remove() }
        #expect(try keys("data/[a-c].mp4", in: directory) == ["a.mp4", "b.mp4", "c.mp4"])
        #expect(try keys("data/[!a-c].mp4", in: directory) == ["d.mp4"])
        #expect(try keys("data/[bd].mp4", in: directory) == ["b.mp4", "d.mp4"])
        // A `[` without `]` is literal.
        #expect(try keys("data/[x.mp4", in: directory) == ["[x.mp4"])
    }

    @Test func matchesAreInBytewiseOrder() throws {
        let directory = try tree(["d/a9.mp4", "d/a10.mp4", "d/B.mp4", "d/Z.mp4", "d/_x.mp4", "d/é.mp4", "d/b.mp4"])
        defer { directory.remove() }
        #expect(try keys("d/*.mp4", in: directory) == ["B.mp4", "Z.mp4", "_x.mp4", "a10.mp4", "a9.mp4", "b.mp4", "é.mp4"])
    }

    @Test func workdirAndHiddenFilesAreNeverMatched() throws {
        let directory = try tree(["a.json", "work/objects/b.json", "work/c.json", "sub/d.json", ".hidden/e.json", "sub/.f.json"])
        defer { directory.remove() }
        #expect(try keys("**/*.json", in: directory, excluding: "work") == ["a.json", "sub/d.json"])
        #expect(try keys("*/*.json", in: directory, excluding: "work") == ["sub/d.json"])
        #expect(try keys("sub/.*.json", in: directory) == [".f.json"])
    }

    @Test func patternWithoutWildcardsNamesOneFile() throws {
        let directory = try tree(["data/a.mp4"])
        defer { directory.remove() }
        #expect(try keys("data/a.mp4", in: directory) == ["a.mp4"])
        #expect(try keys("data/missing.mp4", in: directory) == [])
        #expect(Glob("videos/**/*.mp4").baseDirectoryPath == "videos")
        #expect(Glob("*.mp4").baseDirectoryPath == "")
    }

    @Test(arguments: [
        ("data/*.mp4", true), ("data/*.mov", false), ("**/*.txt", true), ("work/*.json", true),
        ("*/*.json", false), ("nowhere/**/*.mp4", false), ("data", false), ("", false),
    ])
    func hasMatchesAgreesWithMatches(pattern: String, expected: Bool) throws {
        let directory = try tree(["data/a.mp4", "data/b.mp4", "data/sub/c.txt", "work/d.json"])
        defer { directory.remove() }
        let workdir = directory.url.appendingPathComponent("work")
        // `work/*.json` names the workdir itself as its base, so only walks *through* it are excluded.
        let glob = Glob(pattern)
        #expect(try glob.hasMatches(in: directory.url, excluding: workdir) == expected)
        #expect(try !glob.matches(in: directory.url, excluding: workdir).isEmpty == expected)
    }

    @Test func absolutePatternsAndMissingFoldersWork() throws {
        let directory = try tree(["data/a.mp4", "data/b.txt"])
        defer { directory.remove() }
        let absolute = directory.url.standardizedFileURL.path + "/data/*.mp4"
        #expect(try Glob(absolute).matches(in: URL(fileURLWithPath: "/nonexistent"), excluding: nil).map(\.key) == ["a.mp4"])
        #expect(try keys("nowhere/**/*.mp4", in: directory) == [])
    }
}
