import Foundation
import JSON
import Labels
import Lightly
import PluginAPI
import Storage

/// One round of a Lightly datasource as `orchestrate rounds` prints it.
public struct RoundSummary: Sendable, Hashable {
    public var round: Int
    /// Frames the round's selection runs picked.
    public var selected: Int
    /// Of those, frames `export` exported.
    public var exported: Int
    /// Of those, frames an import labelled, skipped or rejected in this round.
    public var labelled: Int
    public var skipped: Int
    public var rejected: Int
    /// Selected and neither labelled nor rejected: they come back as candidates next round
    /// (skipped frames included).
    public var pending: Int
}

/// The round ledger per round: the selection runs (selected, exported) with the ledger's states.
public enum RoundTable {
    /// The rounds of the Lightly datasource a stage's `with:` values name (`lightly`, `endpoint`, …).
    public static func rounds(
        with values: [String: JSONValue], pipelineDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> (datasource: String, rounds: [RoundSummary]) {
        let parameters = Parameters(values: values, baseDirectory: pipelineDirectory)
        let lightly = try DatasourceParameters.open("lightly", parameters: parameters, pipelineDirectory: pipelineDirectory, environment: environment)
        return (lightly.location.description, try await rounds(of: lightly))
    }

    /// The round ledger of the datasource; empty when no import wrote one yet.
    static func ledger(of lightly: any BlobStore) async throws -> RoundLedger {
        guard try await mapped({ try await lightly.head(LabelLayout.ledgerFile) }) != nil else { return RoundLedger() }
        let data = try await mapped { try await lightly.get(LabelLayout.ledgerFile, range: nil) }
        do { return try LightlyCoding.decode(RoundLedger.self, from: data, file: LabelLayout.ledgerFile) } catch {
            throw StageError("Lightly datasource '\(lightly.location.description)': \(error)", code: .invalidInput)
        }
    }

    static func rounds(of lightly: any BlobStore) async throws -> [RoundSummary] {
        let ledger = try await self.ledger(of: lightly)
        var selected: [Int: Set<String>] = [:], exported: [Int: Set<String>] = [:]
        for run in try await SelectionRun.all(in: lightly) where !run.folder.isTag {
            let round = SelectionRun.round(ofTag: run.tag)
            selected[round, default: []].formUnion(run.selected)
            exported[round, default: []].formUnion(try await run.exported(in: lightly).intersection(run.selected))
        }
        return selected.keys.sorted().map { round in
            let frames = selected[round] ?? []
            func count(_ state: LabelledFrame.State) -> Int {
                frames.filter { ledger.frames[$0]?.state == state && ledger.frames[$0]?.round == round }.count
            }
            let settled = frames.filter { ledger.frames[$0].map { $0.state != .skipped } ?? false }.count
            return RoundSummary(
                round: round, selected: frames.count, exported: exported[round]?.count ?? 0, labelled: count(.labelled),
                skipped: count(.skipped), rejected: count(.rejected), pending: frames.count - settled)
        }
    }
}
