import Foundation
import Selection
import Testing

@Suite struct ScoresTests {
    @Test func objectFrequencyIsBatchRelative() {
        // n per frame: [1], [1, 1] -> 1.25, [1, 2] -> 2, [] -> 0, [1, 1, 1] -> 1.5
        let scores = Scores.objectFrequency(labels: [[1], [1, 1], [1, 2], [], [1, 1, 1]])
        let expected = [0.9 + 0.1 * 1 / 2, 0.9 + 0.1 * 1.25 / 2, 1.0, 0.9, 0.9 + 0.1 * 1.5 / 2]
        for (score, value) in zip(scores, expected) { #expect(abs(score - value) < 1e-12) }
    }

    @Test func objectFrequencyOfEqualFramesIsOne() {
        #expect(Scores.objectFrequency(labels: [[3, 3], [4, 4]]) == [1, 1])
        #expect(Scores.objectFrequency(labels: []) == [])
    }

    @Test func objectnessLeastConfidence() {
        #expect(abs(Scores.objectnessLeastConfidence(boxScores: [0.8, 0.4]) - 0.4) < 1e-12)
        #expect(Scores.objectnessLeastConfidence(boxScores: []) == 0)
    }

    @Test func classificationUncertainties() {
        let p = [0.6, 0.3, 0.1]
        // least confidence: (1 - 0.6) / (1 - 1/3) = 0.6
        #expect(abs(Scores.leastConfidence(p) - 0.6) < 1e-12)
        // margin: 1 - (0.6 - 0.3) = 0.7
        #expect(abs(Scores.margin(p) - 0.7) < 1e-12)
        // entropy: -(0.6 log2 0.6 + 0.3 log2 0.3 + 0.1 log2 0.1) / log2 3
        let terms: [Double] = [0.6 * log2(0.6), 0.3 * log2(0.3), 0.1 * log2(0.1)]
        let entropy: Double = -terms.reduce(0, +) / log2(3.0)
        #expect(abs(Scores.entropy(p) - entropy) < 1e-12)
        #expect(Scores.leastConfidence([1, 0, 0]) == 0)
        #expect(Scores.entropy([0.25, 0.25, 0.25, 0.25]) == 1)
        // one column p stands for [p, 1 - p]
        #expect(abs(Scores.margin([0.7]) - 0.6) < 1e-12)
    }

    @Test func meanUncertaintyMatchesTheSpecExample() {
        let score = Scores.meanUncertainty(keypoints: [
            [120.5, 80, 0.9, 130, 75, 0.7, 110, 76, 0.4],
            [300, 90, 0.2, 310, 85, 0.1, 290, 86, 0.3],
            [],
        ])
        #expect(abs(score - (1 - (2.0 / 3.0 + 0.2) / 2)) < 1e-12)
        #expect(Scores.meanUncertainty(keypoints: []) == 0)
    }

    @Test func fromScoresSpreadsTheRest() {
        let vectors = Scores.classProbabilities(of: [Detection(categoryID: 1, score: 0.8), Detection(categoryID: 2, score: 0.5)])
        // two classes seen at most: 3 entries, (1 - s) / 2 elsewhere
        #expect(vectors[0].count == 3 && abs(vectors[0][1] - 0.8) < 1e-12 && abs(vectors[0][0] - 0.1) < 1e-12)
        #expect(abs(vectors[1][2] - 0.5) < 1e-12 && abs(vectors[1][1] - 0.25) < 1e-12)
    }

    @Test func catalogPerTaskType() throws {
        #expect(ScoreCatalog.names(for: .classification) == ["uncertainty_least_confidence", "uncertainty_margin", "uncertainty_entropy"])
        #expect(ScoreCatalog.names(for: .keypointDetection).first == "mean_uncertainty")
        let task = TaskPredictions(
            name: "kp", type: .keypointDetection, categories: [1: "person"],
            detections: [
                [Detection(categoryID: 1, score: 0.9, keypoints: [0, 0, 0.5]), Detection(categoryID: 1, score: 0.5, keypoints: [0, 0, 1])],
                [],
            ])
        #expect(ScoreCatalog.frameScores("objectness_least_confidence", of: task) == [1 - 0.7, 0])
        #expect(ScoreCatalog.frameScores("mean_uncertainty", of: task) == [0.25, 0])
        #expect(ScoreCatalog.frameScores("object_frequency", of: task) == [1, 0.9])
        // two boxes with [0.9, 0.1]- and [0.5, 0.5]-like vectors: margin is the max over boxes
        let margins = try #require(ScoreCatalog.frameScores("uncertainty_margin", of: task))
        #expect(abs(margins[0] - 1) < 1e-12 && margins[1] == 0)
        #expect(ScoreCatalog.frameScores("mean_uncertainty", of: TaskPredictions(name: "d", type: .objectDetection, categories: [:], detections: [])) == nil)
    }
}
