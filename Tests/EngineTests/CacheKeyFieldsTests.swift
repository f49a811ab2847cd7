import ContentHash
import Foundation
@testable import Engine
import JSON
import PluginAPI
import Testing

/// Cache keys hash `CacheKeyFields.canonicalJSON`: its bytes must never change for the same
/// fields, or every committed entry would stop matching.
@Suite struct CacheKeyFieldsTests {
    static let cases: [(CacheKeyFields, String)] = [
        (
            CacheKeyFields(
                plugin: "exec", version: "1", params: ["argv": .array([.string("true")]), "gather": .bool(false)],
                item: "clips/a.txt", inputs: [:], sources: ["clips/a.txt": "s1"], files: [:], external: nil),
            #"{"files":{},"inputs":{},"item":"clips/a.txt","params":{"argv":["true"],"gather":false},"plugin":"exec","sources":{"clips/a.txt":"s1"},"version":"1"}"#
        ),
        (
            CacheKeyFields(
                plugin: "detect", version: "2", params: ["z": .int(3), "B": .double(0.5), "é": .null, "a": .object(["y": .string("q\"\n")])],
                item: "all", inputs: ["up/b": "d2", "up/a": "d1", "Up/c": "d3"], sources: [:], files: ["model": "m1"],
                external: "listing \"x\""),
            #"{"external":"listing \"x\"","files":{"model":"m1"},"inputs":{"Up/c":"d3","up/a":"d1","up/b":"d2"},"item":"all","params":{"B":0.5,"a":{"y":"q\"\n"},"z":3,"é":null},"plugin":"detect","sources":{},"version":"2"}"#
        ),
    ]

    @Test(arguments: cases)
    func canonicalJSONIsStableAndEqualsTheSortedFormOfJSON(fields: CacheKeyFields, expected: String) {
        #expect(fields.canonicalJSON == expected)
        #expect(fields.canonicalJSON == CanonicalJSON.string(fields.json))
        #expect(fields.digest == ContentHash.sha256(of: Data(expected.utf8)))
    }
}
