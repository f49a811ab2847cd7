import Foundation
import Testing
import TestSupport

/// The active-learning curve's smoke check (issue 25): `bench/active-learning/run.sh --quick`
/// with the binary under test picks, labels, fine-tunes and scores two rounds for every picker.
/// Minutes of training on the CPU, so only with `ORCHESTRATE_HEAVY_TESTS=1`.
@Suite struct ActiveLearningCurveTests {
    static let pickers = ["this project: tutorial config", "random (mean ± sd, 3 seeds)", "uniform in time",
                          "DeepLabCut k-means, 30-px greyscale"]
    static let rounds = 2

    @Test(.enabled(if: VolleyballTests.heavy, "set ORCHESTRATE_HEAVY_TESTS=1"))
    func quickCurveHasEveryPickerAndRoundWithAPsInRange() async throws {
        let root = MotoServer.packageRoot
        let run = try await ChildProcess.checked(
            root.appendingPathComponent("bench/active-learning/run.sh").path, ["--quick"], in: root,
            environment: ProcessInfo.processInfo.environment.merging(["ORCHESTRATE_BIN": CLI.binary.path]) { _, new in new })
        // | picker | round | labels so far | keypoint AP | box AP |; random's APs read "mean ± sd".
        var rows: [String: [Int: (labels: Int, keypoint: Double, box: Double)]] = [:]
        for line in run.stdoutText.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 5, let round = Int(cells[1]), let labels = Int(cells[2]) else { continue }
            let mean = { (cell: String) in Double(cell.split(separator: " ")[0]) }
            rows[cells[0], default: [:]][round] = (labels, try #require(mean(cells[3])), try #require(mean(cells[4])))
        }
        #expect(Set(rows.keys) == Set(Self.pickers), "\(run.stdoutText)")
        let perRound = try #require(rows[Self.pickers[0]]?[1]?.labels)
        #expect(perRound > 0)
        for picker in Self.pickers {
            let curve = try #require(rows[picker], "no rows for \(picker)")
            #expect(Set(curve.keys) == Set(0...Self.rounds), "\(picker): rounds \(curve.keys.sorted())")
            for (round, row) in curve {
                #expect(row.labels == round * perRound, "\(picker), round \(round): \(row.labels) labels")
                #expect((0...1).contains(row.keypoint) && (0...1).contains(row.box), "\(picker), round \(round): \(row)")
            }
        }
        // Round 0 is the same starting model for every picker.
        #expect(Set(Self.pickers.compactMap { rows[$0]?[0]?.keypoint }).count == 1)
        let chart = try String(contentsOf: root.appendingPathComponent(".build/active-learning/quick/active-learning.svg"), encoding: .utf8)
        for picker in Self.pickers {
            #expect(chart.contains(picker.replacingOccurrences(of: "&", with: "&amp;")), "the chart has no \(picker)")
        }
    }
}
