import Lightly
import Testing

@Suite struct FrameNameTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var video: String
        var frameCount: Int
        var index: Int
        var name: String
        var testDescription: String { "\(video) (\(frameCount) frames) #\(index)" }
    }

    static let cases: [Case] = [
        Case(video: "game.mp4", frameCount: 9, index: 7, name: "game-7-mp4.png"),
        Case(video: "game.mp4", frameCount: 10, index: 7, name: "game-07-mp4.png"),
        Case(video: "game.mp4", frameCount: 10, index: 0, name: "game-00-mp4.png"),
        Case(video: "game.mp4", frameCount: 100, index: 7, name: "game-007-mp4.png"),
        Case(video: "game.mp4", frameCount: 100, index: 99, name: "game-099-mp4.png"),
        Case(video: "game.mp4", frameCount: 1000, index: 99, name: "game-0099-mp4.png"),
        Case(video: "game.mp4", frameCount: 1000, index: 999, name: "game-0999-mp4.png"),
        Case(video: "match.day.2.final.mov", frameCount: 250, index: 42, name: "match.day.2.final-042-mov.png"),
        Case(video: "clips/2024/game.webm", frameCount: 12, index: 3, name: "clips/2024/game-03-webm.png"),
        Case(video: "clips/pexels-pavel-danilyuk-6216952.mp4", frameCount: 405, index: 404,
             name: "clips/pexels-pavel-danilyuk-6216952-404-mp4.png"),
    ]

    @Test(arguments: cases)
    func nameIsPaddedToTheVideosFrameCount(_ c: Case) {
        let frame = FrameName(videoPath: c.video, index: c.index, frameCount: c.frameCount)
        #expect(frame.description == c.name)
        #expect(frame.sidecarPath == String(c.name.dropLast(4)) + ".json")
    }

    @Test(arguments: cases)
    func parsingANameGivesBackTheFrame(_ c: Case) throws {
        let parsed = try #require(ParsedFrameName(c.name))
        #expect(parsed.videoPath == c.video)
        #expect(parsed.index == c.index)
        #expect(try parsed.resolve(frameCount: c.frameCount).get() == FrameName(videoPath: c.video, index: c.index, frameCount: c.frameCount))
    }

    @Test func paddingWidthIsTheDigitsOfTheFrameCount() {
        #expect([1, 9, 10, 99, 100, 999, 1000, 10000].map { FrameName.paddingWidth(frameCount: $0) } == [1, 1, 2, 2, 3, 3, 4, 5])
    }

    @Test func resolvingRejectsWrongPaddingAndIndicesOutOfRange() throws {
        let short = try #require(ParsedFrameName("game-7-mp4.png"))
        #expect(throws: LightlyError.self) { try short.resolve(frameCount: 10).get() }
        let outOfRange = try #require(ParsedFrameName("game-10-mp4.png"))
        let error = try #require(throws: LightlyError.self) { try outOfRange.resolve(frameCount: 10).get() }
        #expect(error.description == "frame index 10 is out of range: 'game.mp4' has 10 frames (0…9)")
        let padding = try #require(throws: LightlyError.self) { try short.resolve(frameCount: 100).get() }
        #expect(padding.description == "frame index '7' has 1 digits; 'game.mp4' has 100 frames, so it needs 3")
    }

    @Test(arguments: ["game.png", "game-mp4.png", "game-x1-mp4.png", "-01-mp4.png", "dir/-01-mp4.png", "game-01-.png", "game-01-mp4"])
    func namesWithoutTheFrameShapeDoNotParse(_ name: String) {
        #expect(ParsedFrameName(name) == nil)
    }

    @Test func extensionFollowsPythonsSuffixRule() {
        #expect(FrameName.splitExtension("a/b.c/game.v2.mp4") == ("a/b.c/game.v2", "mp4"))
        #expect(FrameName.splitExtension("a/b.c/game") == ("a/b.c/game", ""))
        #expect(FrameName.splitExtension(".hidden") == (".hidden", ""))
        #expect(FrameName.splitExtension("trailing.") == ("trailing.", ""))
        #expect(LightlyLayout.sidecarPath(forSample: "clips/game.v2.mp4") == "clips/game.v2.json")
    }
}

@Suite struct FrameNameIndexTests {
    let index = FrameNameIndex(frameCounts: ["clips/game.mp4": 250, "short.v2.mov": 9])

    @Test func namesOfKnownVideosResolveToTheirFrames() {
        #expect(index.frame(named: "clips/game-007-mp4.png") == FrameName(videoPath: "clips/game.mp4", index: 7, frameCount: 250))
        #expect(index.frame(named: "short.v2-8-mov.png") == FrameName(videoPath: "short.v2.mov", index: 8, frameCount: 9))
    }

    @Test(arguments: ["clips/game-7-mp4.png", "clips/game-250-mp4.png", "game-007-mp4.png", "img/0001.png", "clips/game-007-mp4.jpg"])
    func otherNamesResolveToNothing(_ name: String) {
        #expect(index.frame(named: name) == nil)
    }

    @Test func errorsSayWhyANameIsNoFrame() {
        #expect(index.resolve("img/0001.png").failure?.description == "'img/0001.png' is not a frame name ({video without extension}-{index}-{extension}.png)")
        #expect(index.resolve("other-001-mp4.png").failure?.description == "'other-001-mp4.png': no video 'other.mp4' in the input datasource")
    }

    @Test func everyFrameOfAVideoRoundTrips() {
        for frameCount in [1, 9, 10, 11, 100, 101] {
            let index = FrameNameIndex(frameCounts: ["v.mp4": frameCount])
            for frame in 0..<frameCount {
                let name = FrameName(videoPath: "v.mp4", index: frame, frameCount: frameCount)
                #expect(index.frame(named: name.description) == name)
            }
        }
    }
}

extension Result {
    var failure: Failure? { if case .failure(let error) = self { error } else { nil } }
}
