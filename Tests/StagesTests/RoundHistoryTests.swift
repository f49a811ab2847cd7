import Foundation
import Labels
import Report
import Testing

@testable import Stages

/// The rounds section of a selection report: the round ledger's labels per round, and the audit
/// scores of the `train` stages upstream matched to the rounds they trained on.
@Suite struct RoundHistoryTests {
    static func ledger(_ rounds: [Int: (labelled: Int, skipped: Int)]) -> RoundLedger {
        var ledger = RoundLedger()
        for (round, counts) in rounds {
            for index in 0..<(counts.labelled + counts.skipped) {
                ledger.frames["r\(round)-\(index).png"] = .init(
                    round: round, runID: "run-\(round)", state: index < counts.labelled ? .labelled : .skipped, task: "pose", source: "sha")
            }
        }
        return ledger
    }

    static func metrics(frames: Int, start: Double, trained: Double) -> TrainMetrics {
        TrainMetrics(labelledFrames: frames, steps: 10, audit: .init(
            start: .init(boxAP: start + 0.1, keypointAP: start), trained: .init(boxAP: trained + 0.1, keypointAP: trained)))
    }

    @Test func theNewestModelBelongsToTheLatestRoundAndTheFirstModelsStartToTheRoundBefore() {
        let ledger = Self.ledger([1: (4, 1), 2: (3, 0), 3: (2, 2)])
        // Round 4's selection, with the models trained after rounds 2 and 3 upstream.
        let records = RoundHistory.records(
            ledger: ledger, before: 4, metrics: [Self.metrics(frames: 7, start: 0.3, trained: 0.5), Self.metrics(frames: 9, start: 0.5, trained: 0.4)])
        #expect(records.map(\.round) == [1, 2, 3])
        #expect(records.map(\.labelled) == [4, 3, 2])
        #expect(records.map(\.labelledSoFar) == [4, 7, 9])
        #expect(records.map { $0.model?.keypointAP } == [0.3, 0.5, 0.4])

        // Round 2's selection: the stand-in's scores become a round 0; later rounds are not yet counted.
        let second = RoundHistory.records(ledger: ledger, before: 2, metrics: [Self.metrics(frames: 4, start: 0.2, trained: 0.3)])
        #expect(second == [RoundRecord(round: 0, labelled: 0, labelledSoFar: 0, model: AuditScores(keypointAP: 0.2, boxAP: 0.2 + 0.1)),
                           RoundRecord(round: 1, labelled: 4, labelledSoFar: 4, model: AuditScores(keypointAP: 0.3, boxAP: 0.3 + 0.1))])

        // Without train's metrics: the labels only.
        #expect(RoundHistory.records(ledger: ledger, before: 3, metrics: []).map(\.model) == [nil, nil])
    }
}
