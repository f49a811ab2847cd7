import Lightly
import Report

/// The layout of a selection run's folder in the Lightly datasource, `.lightly/runs/<run id>/`:
/// `schedule` writes it (the same files are its outputs), `export` reads its
/// `selected_filenames.txt` and `report.json` and adds the selected frames under `frames/`.
///
/// File names are relative to the run folder; ``key(_:)`` turns one into a datasource key.
struct SelectionRunFolder: Sendable, Hashable {
    /// The folder holding every run's folder: `.lightly/runs`.
    static let parent = LightlyLayout.root + "/runs"
    /// The selected frame names in pick order, one per line; written last, so that a run folder
    /// without it is an interrupted run.
    static let selectedFilenames = "selected_filenames.txt"
    /// The run's report data (`ReportData`), whose `run` names the run's id and tag.
    static let report = ReportRenderer.jsonName
    /// The frame names `export` exported from the run, one per line: the round ledger's "exported"
    /// state (`orchestrate rounds`).
    static let exportedFilenames = "exported_filenames.txt"

    /// The id prefix of a tag made of chosen frames (the view's lasso), not by a selection:
    /// `export` exports it by its tag, but it is no round's selection and no datapool.
    static let tagRunPrefix = "tag-"

    /// Whether the folder holds a tag made in the view rather than a selection run.
    var isTag: Bool { runID.hasPrefix(Self.tagRunPrefix) }

    /// A selected frame's image: `frames/<frame name>`.
    static func frame(_ name: String) -> String { "frames/\(name)" }

    let runID: String

    /// The run folder's key: `.lightly/runs/<run id>`.
    var key: String { "\(Self.parent)/\(runID)" }

    /// The datasource key of `file` in this run folder.
    func key(_ file: String) -> String { "\(key)/\(file)" }

    /// The run and the file of a key directly inside a run folder (`.lightly/runs/ID/FILE`);
    /// nil for any other key.
    static func parse(_ key: String) -> (folder: SelectionRunFolder, file: String)? {
        guard key.hasPrefix(parent + "/") else { return nil }
        let parts = key.dropFirst(parent.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (SelectionRunFolder(runID: String(parts[0])), String(parts[1]))
    }
}
