import Foundation
import JSON
import Logging

/// What the engine gives a stage while it runs one item.
public protocol StageContext: Sendable {
    /// The stage's `with:` values: interpolated, type-checked, defaults filled in.
    var parameters: Parameters { get }
    /// The staging directory this attempt writes its outputs into.
    var outputDirectory: URL { get }
    /// A private folder of this attempt for files that are not outputs (a child's log, a
    /// request file): never committed, and kept with the attempt's outputs when it fails.
    var scratchDirectory: URL { get }
    /// The directory of the pipeline file; relative paths resolve against it.
    var pipelineDirectory: URL { get }
    /// The pipeline's `name:`: what identifies it in state it shares with other pipelines
    /// (`upload`'s record of the objects it wrote in a datasource).
    var pipelineName: String { get }
    /// The stage's name in the pipeline.
    var stageName: String { get }
    var logger: Logger { get }
    /// Durable progress units inside this item, tied to its cache key.
    var checkpoints: any CheckpointStore { get }

    /// Reports progress to the run's display (`unit` is e.g. "frames").
    func reportProgress(completed: Int, total: Int?, unit: String)

    /// Records a receipt for a side effect; committed with the item.
    func recordReceipt(_ receipt: JSONValue)

    /// Tells the engine, right after the spawn, that this attempt started a child leading its
    /// own process group (`leader` is its pid), so that a run that finds this process dead can
    /// kill the group. A stage that spawns children must call it before awaiting them.
    func childProcessGroupStarted(leader: Int32) async
}

/// Committed progress inside one long item.
///
/// A unit's files are committed objects as soon as `commit` returns: a crash after that
/// point loses nothing. A new attempt with the same cache key sees the same units; a
/// changed key sees none.
public protocol CheckpointStore: Sendable {
    /// Units committed by earlier attempts with this cache key, oldest first.
    func committedUnits() async throws -> [CheckpointUnit]
    /// Commits the files under `directory` as the next unit, recording `cursor`
    /// (e.g. the number of frames done). The directory may be removed afterwards.
    @discardableResult
    func commit(cursor: Int, directory: URL) async throws -> CheckpointUnit
}

/// One committed checkpoint unit.
public struct CheckpointUnit: Sendable, Hashable {
    public var sequence: Int
    public var cursor: Int
    /// A read-only directory holding the unit's files under their own names.
    public var directory: URL

    public init(sequence: Int, cursor: Int, directory: URL) {
        self.sequence = sequence
        self.cursor = cursor
        self.directory = directory
    }
}
