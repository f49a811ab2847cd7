import Engine
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Shows run events: live bars per stage on a terminal, each followed by its running items'
/// progress (`clip.mp4  20/36 frames  3.1/s  5s left`), plain lines in a pipe (and on a
/// `TERM=dumb` or narrow terminal), JSON lines with `--json`. Stage log messages go through
/// ``handleLog(_:)``, so on a terminal they are printed above the bars instead of over them.
final class ProgressDisplay: Sendable {
    enum Style: Sendable { case bars, lines, json }

    /// Bars need this many columns (name, bar, counts); narrower terminals get lines.
    static let minimumBarColumns = 40
    /// Item lines shown at most, whatever the terminal's height.
    private static let maximumItemLines = 8

    /// Progress inside one running item, from its `progress` events.
    private struct ItemProgress {
        var completed: Int
        var total: Int?
        var unit: String
        /// The first report of this attempt: the rate counts only what was done since (a
        /// resumed item starts high).
        var firstAt: Date
        var firstCompleted: Int
    }

    private struct StageProgress {
        var total = 0
        var done = 0
        var cached = 0
        var failed = 0
        var cancelled = 0
        var notRun = 0
        var startedAt: Date?
        /// Items whose cluster job waits in the queue, and items running.
        var queued: Set<ItemID> = []
        var running: Set<ItemID> = []
        var progress: [ItemID: ItemProgress] = [:]
        /// Items resolved one way or another.
        var resolved: Int { done + cached + failed + cancelled + notRun }
    }

    private struct State {
        var order: [String] = []
        var stages: [String: StageProgress] = [:]
        var drawnLines = 0
        var lastDraw = Date.distantPast
    }

    let style: Style
    private let state = Mutex(State())

    init(json: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if json {
            style = .json
        } else if isatty(STDERR_FILENO) == 1, environment["TERM"] != "dumb",
                  Self.terminalSize().columns >= Self.minimumBarColumns {
            style = .bars
        } else {
            style = .lines
        }
    }

    func handle(_ event: RunEvent) {
        switch style {
        case .json: emitJSON(event)
        case .lines: emitLine(event)
        case .bars: update(event)
        }
    }

    /// A stage's log message: above the bars on a terminal, a line on stderr otherwise (stdout
    /// stays JSON events only with `--json`).
    func handleLog(_ message: String) {
        switch style {
        case .json, .lines: StandardError.write(message)
        case .bars:
            state.withLock { s in
                // Clear the bars, print the message where they began, draw them again below it.
                var text = s.drawnLines > 0 ? "\u{1B}[\(s.drawnLines)A\u{1B}[J" : ""
                text += message + "\n"
                s.drawnLines = 0
                FileHandle.standardError.write(Data(text.utf8))
                draw(&s, force: true)
            }
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
        case .itemStarted(let id), .itemRunning(let id):
            if s.stages[id.stage]?.startedAt == nil { s.stages[id.stage]?.startedAt = Date() }
            s.stages[id.stage]?.queued.remove(id)
            s.stages[id.stage]?.running.insert(id)
        case .itemQueued(let id):
            s.stages[id.stage]?.running.remove(id)
            s.stages[id.stage]?.queued.insert(id)
            s.stages[id.stage]?.progress[id] = nil
        case .itemProgress(let id, let completed, let total, let unit):
            if var known = s.stages[id.stage]?.progress[id], known.unit == unit {
                (known.completed, known.total) = (completed, total)
                s.stages[id.stage]?.progress[id] = known
            } else {
                s.stages[id.stage]?.progress[id] = ItemProgress(
                    completed: completed, total: total, unit: unit, firstAt: Date(), firstCompleted: completed)
            }
        case .itemRetrying(let id, _, _, _):
            s.stages[id.stage]?.queued.remove(id)
            s.stages[id.stage]?.running.remove(id)
            s.stages[id.stage]?.progress[id] = nil
        case .itemFinished(let id, let outcome):
            s.stages[id.stage]?.queued.remove(id)
            s.stages[id.stage]?.running.remove(id)
            s.stages[id.stage]?.progress[id] = nil
            switch outcome {
            case .done: s.stages[id.stage]?.done += 1
            case .cached: s.stages[id.stage]?.cached += 1
            case .failed: s.stages[id.stage]?.failed += 1
            case .cancelled: s.stages[id.stage]?.cancelled += 1
            case .skipped: s.stages[id.stage]?.notRun += 1
            }
        default: break
        }
    }

    private func emitLine(_ event: RunEvent) {
        state.withLock { record(event, into: &$0) }
        switch event {
        case .itemFinished(let id, .done): StandardError.write("done \(id)")
        case .itemFinished(let id, .failed(let error)): StandardError.write("failed \(id): \(error)")
        case .itemFinished(let id, .cancelled): StandardError.write("cancelled \(id)")
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
        let (columns, rows) = Self.terminalSize()
        var lines = Self.screen(s, columns: columns, rows: rows, now: now)
        // A line as wide as the terminal would wrap on some terminals and break the count of
        // lines to move up over next time.
        lines = lines.map { Self.clipped($0, to: columns - 1) }
        var text = s.drawnLines > 0 ? "\u{1B}[\(s.drawnLines)A" : ""
        for line in lines { text += "\u{1B}[2K" + line + "\n" }
        // Fewer lines than last time (an item finished): clear what is left below.
        text += "\u{1B}[J"
        s.drawnLines = lines.count
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Every stage's bar, each followed by its running items' progress while the screen has
    /// room: item lines never push the bars off a terminal of `rows` lines.
    private static func screen(_ s: State, columns: Int, rows: Int, now: Date) -> [String] {
        let width = s.order.map(\.count).max() ?? 0
        var itemBudget = min(maximumItemLines, max(0, rows - 2 - s.order.count))
        var lines: [String] = []
        for name in s.order {
            guard let stage = s.stages[name] else { continue }
            lines.append(line(name.padding(toLength: width, withPad: " ", startingAt: 0), stage, columns: columns, now: now))
            let items = stage.progress.sorted { $0.key < $1.key }
            for (index, (id, progress)) in items.enumerated() {
                if itemBudget == 0 { break }
                let rest = items.count - index
                if itemBudget == 1 && rest > 1 {
                    lines.append("  … \(rest) more running")
                    itemBudget = 0
                    break
                }
                lines.append(line(item: id.key, progress, columns: columns, now: now))
                itemBudget -= 1
            }
        }
        return lines
    }

    /// One stage's bar: filled by the items that are done or cached, never by those that failed,
    /// were cancelled or did not run. The bar narrows on a narrow terminal, and the rate goes first
    /// when the line would not fit.
    private static func line(_ name: String, _ stage: StageProgress, columns: Int, now: Date) -> String {
        let barWidth = min(24, max(6, columns - 56))
        let complete = stage.done + stage.cached
        let fraction = stage.total == 0 ? 1 : Double(complete) / Double(stage.total)
        let filled = Int(fraction * Double(barWidth))
        let head = name + " [" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "] "
            + "\(complete)/\(stage.total)"
        var counts = ""
        for (count, label) in [(stage.queued.count, "queued"), (stage.running.count, "running"), (stage.cached, "cached"),
                               (stage.failed, "failed"), (stage.cancelled, "cancelled"), (stage.notRun, "not run")] where count > 0 {
            counts += "  \(count) \(label)"
        }
        var rate = ""
        if let started = stage.startedAt, stage.done > 0 {
            let elapsed = max(now.timeIntervalSince(started), 0.001)
            let perSecond = Double(stage.done) / elapsed
            let left = Double(stage.total - stage.resolved) / perSecond
            rate = String(format: "  %.1f/s", perSecond) + (stage.resolved < stage.total ? "  ETA \(duration(left))" : "")
        }
        let full = head + rate + counts
        return full.count < columns ? full : head + counts
    }

    /// One running item: `  KEY  20/36 frames  3.1/s  5s left`; the key is shortened from the
    /// front (its end, the file name, tells items apart), and the rate goes first when short of room.
    private static func line(item key: String, _ progress: ItemProgress, columns: Int, now: Date) -> String {
        let keyWidth = max(8, columns / 3)
        let shownKey = key.count > keyWidth ? "…" + key.suffix(keyWidth - 1) : key
        let count = "\(progress.completed)" + (progress.total.map { "/\($0)" } ?? "") + " \(progress.unit)"
        var rate = ""
        let elapsed = now.timeIntervalSince(progress.firstAt)
        let done = progress.completed - progress.firstCompleted
        if elapsed >= 0.5, done > 0 {
            let perSecond = Double(done) / elapsed
            rate = String(format: "  %.1f/s", perSecond)
            if let total = progress.total, total > progress.completed {
                rate += "  \(duration(Double(total - progress.completed) / perSecond)) left"
            }
        }
        let head = "  \(shownKey)  \(count)"
        return (head + rate).count < columns ? head + rate : head
    }

    /// `text` cut to `width` characters, the last one an ellipsis when cut.
    private static func clipped(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }

    private static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(seconds.rounded())
        return total >= 60 ? "\(total / 60)m\(total % 60)s" : "\(total)s"
    }

    /// Columns and rows now (the terminal may have been resized): `TIOCGWINSZ` on stderr, else
    /// `$COLUMNS` and `$LINES`, else 80×24.
    private static func terminalSize() -> (columns: Int, rows: Int) {
        var size = winsize()
        let isKnown = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0
        let environment = ProcessInfo.processInfo.environment
        let columns = isKnown && size.ws_col > 0 ? Int(size.ws_col) : environment["COLUMNS"].flatMap(Int.init) ?? 80
        let rows = isKnown && size.ws_row > 0 ? Int(size.ws_row) : environment["LINES"].flatMap(Int.init) ?? 24
        return (columns, rows)
    }

    private func emitJSON(_ event: RunEvent) {
        var object: [String: Any]
        switch event {
        case .planned(let stages):
            object = ["event": "planned", "stages": stages.map { ["stage": $0.name, "items": $0.items] as [String: Any] }]
        case .itemStarted(let id):
            object = ["event": "started", "item": id.description]
        case .itemQueued(let id):
            object = ["event": "queued", "item": id.description]
        case .itemRunning(let id):
            object = ["event": "running", "item": id.description]
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
            case .cancelled: object["outcome"] = "cancelled"
            case .skipped(let reason): object["outcome"] = "skipped"; object["reason"] = reason
            }
        }
        StandardOutput.json(object)
    }
}

/// A swift-log handler that hands stage messages to the run's ``ProgressDisplay``, formatted as
/// `LEVEL [item] message`, so they never overwrite the bars.
struct ProgressLogHandler: LogHandler {
    let display: ProgressDisplay
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let item = merged["item"].map { "[\($0)] " } ?? ""
        display.handleLog("\(event.level) \(item)\(event.message)")
    }
}
