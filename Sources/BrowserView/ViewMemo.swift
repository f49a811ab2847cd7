import Foundation

/// What a view folder was last written from (`data/memo.json`): a digest of the inputs the caller
/// names (listings with sizes, ETags or stat times), and every page and data file with its size.
/// A re-run whose inputs digest is the same, and whose files are all there, has nothing to do:
/// it skips reading the run's predictions and encoding its data files.
///
/// The memo is removed before a write changes anything and saved after it finished, so a killed
/// write never leaves a memo that a later run trusts.
public struct ViewMemo: Sendable, Equatable, Codable {
    /// The layout this build writes; a memo of another layout is never trusted.
    static let currentVersion = 1
    public var version = currentVersion
    /// The caller's digest of the inputs.
    public var inputs: String
    public var runID: String
    public var frames: Int
    /// Page and data files, relative to the folder → their size in bytes.
    public var files: [String: Int]

    public init(inputs: String, runID: String, frames: Int, files: [String: Int]) {
        self.inputs = inputs
        self.runID = runID
        self.frames = frames
        self.files = files
    }
}
