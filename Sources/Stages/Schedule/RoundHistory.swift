import Labels
import Report

/// The report's rounds section of a selection run of round 2 or later: the frames labelled in
/// each earlier round (the round ledger), and the audit scores of the models that `train` stages
/// in the run's `needs` trained on them (`metrics.json`).
enum RoundHistory {
    /// One record per earlier round with labels. The model trained on the most labels belongs to
    /// the latest round, the one before it to the round before, and so on; the first such
    /// model's starting scores go to the round before it, or to a round 0 (the starting model).
    static func records(ledger: RoundLedger, before round: Int, metrics: [TrainMetrics]) -> [RoundRecord] {
        let labelled = ledger.frames.values.filter { $0.state == .labelled && $0.round < round }
        let counts = Dictionary(grouping: labelled, by: \.round).mapValues(\.count)
        var records: [RoundRecord] = []
        for earlier in counts.keys.sorted() {
            let count = counts[earlier] ?? 0
            records.append(RoundRecord(round: earlier, labelled: count, labelledSoFar: (records.last?.labelledSoFar ?? 0) + count))
        }
        let audits = metrics.compactMap(\.audit).suffix(records.count)
        guard let first = audits.first else { return records }
        for (offset, audit) in audits.enumerated() {
            records[records.count - audits.count + offset].model = scores(audit.trained)
        }
        let before = records.count - audits.count - 1
        if before >= 0 {
            if records[before].model == nil { records[before].model = scores(first.start) }
        } else {
            records.insert(RoundRecord(round: 0, labelled: 0, labelledSoFar: 0, model: scores(first.start)), at: 0)
        }
        return records
    }

    private static func scores(_ scores: TrainMetrics.Scores) -> AuditScores {
        AuditScores(keypointAP: scores.keypointAP, boxAP: scores.boxAP)
    }
}
