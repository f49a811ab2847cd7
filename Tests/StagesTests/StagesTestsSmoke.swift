import Foundation
import Testing
import TestSupport

@Test func StagesTestsTemporaryDirectoryIsCreated() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    var isDirectory: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: dir.url.path, isDirectory: &isDirectory))
    #expect(isDirectory.boolValue)
}
