import Foundation
import JSON
import Report
import Testing
import TestSupport

@Suite struct PrincipalComponentsTests {
    @Test func pointsOnALineAreExplainedByTheFirstComponent() throws {
        let vectors = (0..<20).map { step in [Double(step), 2 * Double(step), -Double(step)] }
        let pca = try PrincipalComponents(vectors, count: 2)
        #expect(abs(pca.explainedVariance[0] - 1) < 1e-9)
        #expect(abs(pca.explainedVariance[1]) < 1e-9)
        // Distances along the line are kept: consecutive points are √6 apart.
        #expect(abs(abs(pca.coordinates[1][0] - pca.coordinates[0][0]) - 6.0.squareRoot()) < 1e-9)
    }

    @Test func gramAndCovarianceRoutesAgree() throws {
        var generator = SplitMix(seed: 3)
        let wide = (0..<6).map { _ in (0..<10).map { _ in generator.unit() } }  // d > n: Gram matrix
        let tall = wide + wide.map { $0.map { $0 + 1e-9 } }                     // d < n: covariance, same spread
        let gram = try PrincipalComponents(wide, count: 2)
        let covariance = try PrincipalComponents(tall, count: 2)
        for component in 0..<2 {
            #expect(abs(gram.explainedVariance[component] - covariance.explainedVariance[component]) < 1e-6)
            for row in 0..<6 {
                #expect(abs(abs(gram.coordinates[row][component]) - abs(covariance.coordinates[row][component])) < 1e-6)
            }
        }
    }

    @Test(arguments: [[[Double]](), [[1, 2, 3]], [[1, 2], [1, 2], [1, 2]]])
    func emptySingleAndDuplicateInputsGiveZeros(vectors: [[Double]]) throws {
        let pca = try PrincipalComponents(vectors, count: 2)
        #expect(pca.coordinates == vectors.map { _ in [0.0, 0.0] })
        #expect(pca.explainedVariance == [0, 0])
    }

    @Test func nanAndRaggedInputsAreRejected() {
        #expect(throws: ReportError(.invalidData, "embedding 1 holds NaN or infinity")) {
            try PrincipalComponents([[1, 2], [.nan, 1]], count: 2)
        }
        #expect(throws: ReportError(.invalidData, "embedding 1 has 1 dimensions, expected 2")) {
            try PrincipalComponents([[1, 2], [1]], count: 2)
        }
    }
}

@Suite struct StatisticsTests {
    @Test func metricsOfKnownValues() throws {
        let metrics = try #require(Metrics([4, 1, 3, 2, .nan]))
        #expect(metrics == Metrics([1, 2, 3, 4]))
        #expect(metrics.count == 4 && metrics.mean == 2.5 && metrics.median == 2.5 && metrics.min == 1 && metrics.max == 4)
        #expect(abs(metrics.std - 1.25.squareRoot()) < 1e-12)
        #expect(Metrics([]) == nil)
        #expect(Metrics([7])?.std == 0)
    }

    @Test func datasetSizesAndVideoSharesCountStatuses() {
        let frames = [
            FrameRecord(name: "a-0", video: "a.mp4", objects: 2, status: .selected),
            FrameRecord(name: "a-1", video: "a.mp4", objects: 1, status: .removed),
            FrameRecord(name: "b-0", video: "b.mp4", objects: 3, status: .datapool),
            FrameRecord(name: "b-1", video: "b.mp4", objects: 5, status: .selected),
        ]
        let data = ReportData(run: Self.run, frames: frames, videoTarget: ["a.mp4": 0.5, "b.mp4": 0.3, "c.mp4": 0.2])
        let sizes = data.statistics.datasetSizes
        let counts: [Int] = [sizes.input, sizes.selected, sizes.removed, sizes.datapool, sizes.selectedWithDatapool]
        #expect(counts == [4, 2, 1, 1, 3])
        #expect(sizes.inputObjects == 11 && sizes.selectedObjects == 7)
        #expect(data.statistics.videos.map(\.video) == ["a.mp4", "b.mp4", "c.mp4"])
        #expect(data.statistics.videos.map(\.selectedShare) == [0.5, 0.5, 0])
        #expect(data.statistics.videos.map(\.target) == [0.5, 0.3, 0.2])
    }

    static let run = RunInformation(
        runId: "r", tag: "initial-tag", created: "2026-01-01T00:00:00Z", inputDatasource: "file:///in",
        lightlyDatasource: "file:///lightly", selectionConfig: .object([:]), totalSeconds: 1
    )
}

@Suite struct ReportJSONErrorTests {
    @Test func missingReportJSONNamesTheFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.url.appendingPathComponent("report.json").path
        #expect(throws: ReportError(.unreadable, "\(file): no such file (is '\(dir.url.path)' a selection run folder?)")) {
            try ReportRenderer.load(runFolder: dir.url)
        }
    }

    @Test func aReportWrittenBeforeUnitsAndFramePicturesStillLoads() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Data(#"""
        {"version": 1, "frames": [], "stages": [{"name": "selection", "input": 40, "kept": 8}],
         "run": {"run_id": "r", "tag": "t", "input_datasource": "file:///in", "lightly_datasource": "file:///l", "selection_config": {}}}
        """#.utf8).write(to: dir.url.appendingPathComponent("report.json"))
        let data = try ReportRenderer.load(runFolder: dir.url)
        #expect(data.stages == [StageSummary(name: "selection", input: 40, kept: 8)])
        #expect(data.stages[0].removed == 32 && data.selectedFrames.isEmpty)
        #expect(StageSummary(name: "load", input: 47, kept: 40, inputUnit: "files", keptUnit: "frames").removed == nil)
    }

    @Test func malformedReportJSONSaysWhatIsWrong() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent("report.json")
        try Data(#"{"version": 1, "run": {"run_id": "r"}, "frames": []}"#.utf8).write(to: url)
        #expect(throws: ReportError(.unreadable, "\(url.path): missing key 'tag' at .run")) {
            try ReportRenderer.load(runFolder: dir.url)
        }
        try Data(#"{"version": 2}"#.utf8).write(to: url)
        #expect(throws: ReportError(.unreadable, "\(url.path): at .version: unsupported report version 2 (this build reads 1)")) {
            try ReportRenderer.load(runFolder: dir.url)
        }
        try Data("not json".utf8).write(to: url)
        let error = try #require(throws: ReportError.self) { try ReportRenderer.load(runFolder: dir.url) }
        #expect(error.message.hasPrefix("\(url.path): The given data was not valid JSON."))
    }
}
