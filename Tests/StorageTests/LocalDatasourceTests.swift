import Foundation
import Testing
import TestSupport

@testable import Storage

@Suite struct LocalDatasourceTests {
    @Test func storesListsReadsAndDeletesObjects() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = LocalDatasource(root: directory.url.appendingPathComponent("lightly"))
        try await store.checkAccess()
        let info = try await store.put(".lightly/predictions/tasks.json", data: Data("[\"pose\"]".utf8))
        #expect(info.size == 8)
        let source = directory.url.appendingPathComponent("video.mp4")
        let bytes = Data((0..<100_000).map { UInt8($0 % 251) })
        try bytes.write(to: source)
        let sha = try FileDigest.sha256(of: source)
        let result = try await store.upload(
            "clips/video.mp4", file: source, sha256: sha, options: UploadOptions(), resume: nil) { _ in }
        #expect(result.object.size == 100_000)
        #expect(try await store.list(prefix: "").map(\.key) == [".lightly/predictions/tasks.json", "clips/video.mp4"])
        #expect(try await store.list(prefix: "clips/").map(\.key) == ["clips/video.mp4"])
        #expect(try await store.head("clips/video.mp4")?.sha256 == sha)
        #expect(try await store.head("clips/missing.mp4") == nil)
        #expect(try await store.get("clips/video.mp4", range: 10..<20) == bytes[10..<20])
        #expect(try await store.get("clips/video.mp4", range: nil) == bytes)
        let url = try store.readURL("clips/video.mp4", expiresIn: 60, now: Date())
        #expect(url.isFileURL)
        #expect(try Data(contentsOf: url) == bytes)
        try await store.delete("clips/video.mp4")
        try await store.delete("clips/video.mp4")
        #expect(try await store.list(prefix: "clips/").isEmpty)
    }

    @Test func deletingTheLastObjectOfAFolderRemovesTheEmptyFoldersUpToTheRoot() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.url.appendingPathComponent("lightly")
        let store = LocalDatasource(root: root)
        try await store.put("a/b/c/one.json", data: Data("1".utf8))
        try await store.put("a/two.json", data: Data("2".utf8))
        try await store.delete("a/b/c/one.json")
        let fileManager = FileManager.default
        #expect(!fileManager.fileExists(atPath: root.appendingPathComponent("a/b").path))
        #expect(fileManager.fileExists(atPath: root.appendingPathComponent("a/two.json").path))
        try await store.delete("a/two.json")
        #expect(try fileManager.contentsOfDirectory(atPath: root.path).isEmpty)
        // The folder is recreated for the next write, also when many writes and deletes race.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await store.put("x/\(index % 4)/o\(index).json", data: Data("\(index)".utf8))
                    if index % 2 == 0 { try await store.delete("x/\(index % 4)/o\(index).json") }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.list(prefix: "x/").count == 20)
    }

    @Test func rejectsKeysOutsideTheRootBeforeWriting() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.url.appendingPathComponent("root")
        let store = LocalDatasource(root: root)
        let error = await #expect(throws: StorageError.self) {
            try await store.put("../escaped.txt", data: Data("x".utf8))
        }
        #expect(error?.description == "datasource 'file://\(root.path)', key '../escaped.txt': invalid object key: '..' would escape the datasource root")
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("escaped.txt").path))
    }

    @Test func uploadingALinkStoresTheBytesNotTheLink() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.url.appendingPathComponent("object")
        try Data("bytes".utf8).write(to: target)
        let link = directory.url.appendingPathComponent("link.json")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let store = LocalDatasource(root: directory.url.appendingPathComponent("store"))
        _ = try await store.upload("a/link.json", file: link, sha256: try FileDigest.sha256(of: link), options: UploadOptions(),
                                   resume: nil) { _ in }
        let stored = directory.url.appendingPathComponent("store/a/link.json")
        let type = try FileManager.default.attributesOfItem(atPath: stored.path)[.type] as? FileAttributeType
        #expect(type == .typeRegular)
        #expect(try Data(contentsOf: stored) == Data("bytes".utf8))
    }

    @Test func leftoverTemporaryFilesAreNotListed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = LocalDatasource(root: directory.url)
        try Data("partial".utf8).write(to: directory.url.appendingPathComponent(".orchestrate-partial-1234"))
        try await store.put("a.txt", data: Data("a".utf8))
        #expect(try await store.list(prefix: "").map(\.key) == ["a.txt"])
    }
}
