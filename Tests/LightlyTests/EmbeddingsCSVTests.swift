import Lightly
import Testing

@Suite struct EmbeddingsCSVTests {
    @Test func writesLightlysLayout() throws {
        let text = try EmbeddingsCSV.write([
            EmbeddingRow(fileName: "clips/game-07-mp4.png", embedding: [0.5, -1.25, 3]),
            EmbeddingRow(fileName: "odd,name.png", embedding: [0, 1e-7, 2], label: 1),
        ])
        #expect(text == """
            filenames,embedding_0,embedding_1,embedding_2,labels
            clips/game-07-mp4.png,0.5,-1.25,3.0,0
            "odd,name.png",0.0,1e-07,2.0,1

            """)
    }

    @Test func readingGivesBackTheRowsWritten() throws {
        let rows = [
            EmbeddingRow(fileName: "a \"quoted\", name.png", embedding: [0.1, 0.2]),
            EmbeddingRow(fileName: "b.png", embedding: [-3.5, 1e10], label: 2),
        ]
        #expect(try EmbeddingsCSV.read(EmbeddingsCSV.write(rows)) == rows)
    }

    @Test func zeroRowsAndZeroDimensionsAreValid() throws {
        #expect(try EmbeddingsCSV.read(EmbeddingsCSV.write([], dimension: 4)) == [])
        #expect(try EmbeddingsCSV.write([], dimension: 2) == "filenames,embedding_0,embedding_1,labels\n")
    }

    @Test func mismatchedDimensionsAndNaNAreRefused() {
        #expect(throws: LightlyError.self) {
            try EmbeddingsCSV.write([EmbeddingRow(fileName: "a", embedding: [1]), EmbeddingRow(fileName: "b", embedding: [1, 2])])
        }
        #expect(throws: LightlyError.self) { try EmbeddingsCSV.write([EmbeddingRow(fileName: "a", embedding: [.nan])]) }
    }

    @Test func problemsNameTheLine() {
        let text = "filenames,embedding_0,embedding_1,labels\na.png,1,2,0\n\nb.png,x,2,0\na.png,1,2,z\na.png,1,2,0\n"
        #expect(EmbeddingsCSV.problems(in: text).map { "\($0.jsonPath): \($0.message)" } == [
            "line 3: empty row",
            "line 4: every embedding value must be a finite number",
            "line 5: label 'z' is not an integer",
            "line 6: 'a.png' appears twice",
        ])
    }

    @Test func headerProblemsAreReported() {
        let text = "names, embedding_0,embedding_2\n"
        #expect(EmbeddingsCSV.problems(in: text).map { "\($0.jsonPath): \($0.message)" } == [
            "line 1: header cells must not contain whitespace",
            "line 1: the first column must be 'filenames'",
            "line 1: a 'labels' column is required",
        ])
    }

    @Test func extraMaskedAndSelectedColumnsAreTolerated() throws {
        let rows = try EmbeddingsCSV.read("filenames,embedding_0,masked,selected,labels\na.png,1.5,0,1,0\n")
        #expect(rows == [EmbeddingRow(fileName: "a.png", embedding: [1.5])])
    }
}
