import Engine
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Shows run events: live bars per stage on a TTY, plain lines in a pipe, JSON lines with
/// `--json` (design §6).
final class ProgressDisplay: Sendable {
    enum Style: Sendable { case bars, lines, json }

    private struct StageProgress {
        var total = 0
        var finished = 0
        var cached = 0
        var failed = 0
        var startedAt: Date?
    }

    private struct State {
        var order: [String] = []
        var stages: [String: StageProgress] = [:]
        var drawnLines = 0
        var lastDraw = Date.distantPast
    }

    let style: Style
    private let state = Mutex(State())

    init(json: Bool) {
        style = json ? .json : (isatty(STDERR_FILENO) == 1 ? .bars : .lines)
    }

    func handle(_ event: RunEvent) {
        switch style {
        case .json: emitJSON(event)
        case .lines: emitLine(event)
        case .bars: update(event)
        }
    }

    /// Final redraw, so the bars show the end state.
    func finish() {
        if style == .bars { state.withLock { draw(&$0, force: true) } }
        if style == .lines {
            for line in state.withLock({ s in s.order.compactMap { name -> String? in
                guard let stage = s.stages[name], stage.cached > 0 else { return nil }
                return "\(name): \(stage.cached) cached"
            } }) { StandardError.write(line) }
        }
    }

    private func record(_ event: RunEvent, into s: inout State) {
        switch event {
        case .planned(let stages):
            for (name, items) in stages {
                s.order.append(name)
                s.stages[name] = StageProgress(total: items)
            }
        case .itemStarted(let id):
            if s.stages[id.stage]?.startedAt == nil { s.stages[id.stage]?.startedAt = Date() }
        case .itemFinished(let id, let outcome):
            s.stages[id.stage]?.finished += 1
            if outcome == .cached { s.stages[id.stage]?.cached += 1 }
            if case .failed = outcome { s.stages[id.stage]?.failed += 1 }
        default: break
        }
    }

    private func emitLine(_ event: RunEvent) {
        state.withLock { record(event, into: &$0) }
        switch event {
        case .itemFinished(let id, .done): StandardError.write("done \(id)")
        case .itemFinished(let id, .failed(let error)): StandardError.write("failed \(id): \(error)")
        case .itemRetrying(let id, let attempt, let error, let delay):
            StandardError.write("retry \(id) (attempt \(attempt + 1) in \(String(format: "%.1f", delay))s): \(error)")
        default: break
        }
    }

    private func update(_ event: RunEvent) {
        state.withLock { s in
            record(event, into: &s)
            draw(&s, force: false)
        }
    }

    private func draw(_ s: inout State, force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(s.lastDraw) > 0.1 else { return }
        s.lastDraw = now
        var text = s.drawnLines > 0 ? "\u{1B}[\(s.drawnLines)A" : ""
        let width = s.order.map(\.count).max() ?? 0
        for name in s.order {
            guard let stage = s.stages[name] else { continue }
            let fraction = stage.total == 0 ? 1 : Double(stage.finished) / Double(stage.total)
            let filled = Int(fraction * 24)
            var line = name.padding(toLength: width, withPad: " ", startingAt: 0)
                + " [" + String(repeating: "#", count: filled) + String(repeating: "-", count: 24 - filled) + "] "
                + "\(stage.finished)/\(stage.total)"
            let ran = stage.finished - stage.cached
            if let started = stage.startedAt, ran > 0 {
                let elapsed = max(now.timeIntervalSince(started), 0.001)
                let rate = Double(ran) / elapsed
                let left = Double(stage.total - stage.finished) / rate
                line += String(format: "  %.1f/s", rate) + (stage.finished < stage.total ? "  ETA \(Self.duration(left))" : "")
            }
            if stage.cached > 0 { line += "  \(stage.cached) cached" }
            if stage.failed > 0 { line += "  \(stage.failed) failed" }
            text += "\u{1B}[2K" + line + "\n"
        }
        s.drawnLines = s.order.count
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(seconds.rounded())
        return total >= 60 ? "\(total / 60)m\(total % 60)s" : "\(total)s"
    }

    private func emitJSON(_ event: RunEvent) {
        var object: [String: Any]
        switch event {
        case .planned(let stages):
            object = ["event": "planned", "stages": stages.map { ["stage": $0.name, "items": $0.items] as [String: Any] }]
        case .itemStarted(let id):
            object = ["event": "started", "item": id.description]
        case .itemProgress(let id, let completed, let total, let unit):
            object = ["event": "progress", "item": id.description, "completed": completed, "unit": unit]
            if let total { object["total"] = total }
        case .itemLog(let id, let text):
            object = ["event": "log", "item": id.description, "message": text]
        case .itemRetrying(let id, let attempt, let error, let delay):
            object = ["event": "retrying", "item": id.description, "attempt": attempt, "error": error, "delay": delay]
        case .itemFinished(let id, let outcome):
            object = ["event": "finished", "item": id.description]
            switch outcome {
            case .done: object["outcome"] = "done"
            case .cached: object["outcome"] = "cached"
            case .failed(let error): object["outcome"] = "failed"; object["error"] = error
            case .skipped(let reason): object["outcome"] = "skipped"; object["reason"] = reason
            }
        }
        StandardOutput.json(object)
    }
}
