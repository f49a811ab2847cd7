import Foundation
import JSON
import PluginAPI

/// A loaded and validated pipeline file.
public struct Pipeline: Sendable {
    public var name: String
    /// The pipeline file.
    public var fileURL: URL
    /// The directory of the pipeline file: globs, relative paths and `exec` resolve against it.
    public var directory: URL
    /// Where the cache, objects, staging and `out/` live (default: `.orchestrate` beside the file).
    public var workdir: URL
    public var params: [String: JSONValue]
    /// The pipeline's `executor:` (stages may override it); `nil` when the file names none.
    public var executor: ExecutorKind?
    /// Stages in file order.
    public var stages: [StageSpec]

    public init(
        name: String, fileURL: URL, directory: URL, workdir: URL,
        params: [String: JSONValue], stages: [StageSpec]
    ) {
        self.name = name
        self.fileURL = fileURL
        self.directory = directory
        self.workdir = workdir
        self.params = params
        self.stages = stages
    }

    public func stage(named name: String) -> StageSpec? { stages.first { $0.name == name } }
}

/// Where a stage's items run.
public enum ExecutorKind: String, Sendable, CaseIterable, Codable {
    /// In the `orchestrate run` process (the default).
    case local
    /// As Slurm jobs, one per item attempt (see docs/cluster.md).
    case slurm
}

/// One entry of the pipeline's `stages:` map.
public struct StageSpec: Sendable {
    public enum OnError: String, Sendable, Codable { case fail, skip }

    public var name: String
    /// The plugin id (`uses:`).
    public var uses: String
    public var needs: [String]
    /// The `foreach` glob, relative to the pipeline directory.
    public var foreach: String?
    /// The `with:` block with `${params.…}` resolved; strings with item-level references
    /// (`${item.…}`, `${out}`, `${in.…}`) are templates, listed in `templates` and resolved per
    /// item by ``Interpolation/resolve(_:templates:in:)``. Type-checked by the loader, with
    /// defaults filled in and durations in seconds.
    public internal(set) var with: [String: JSONValue]
    /// Where `with` holds templates; every other string is final text. (Set with `with`: the
    /// loader from the YAML, ``init(name:uses:needs:foreach:with:concurrency:retries:timeout:onError:location:)``
    /// from every string with an item-level reference.)
    var templates: Set<ValuePath>
    /// What the plugin's ``Stage/decodeSettings(_:)`` made of `with` when the pipeline loaded;
    /// every item of the stage receives it as ``Parameters/settings``.
    public internal(set) var settings: (any Sendable)?
    /// At most this many items of the stage at once (default: no limit beyond `--jobs`).
    public var concurrency: Int?
    public var retries: Int
    /// Per-item time limit in seconds.
    public var timeout: Double?
    public var onError: OnError
    /// The stage's own `executor:`, overriding the run's and the pipeline's.
    public var executor: ExecutorKind?
    /// What a cluster job of this stage asks for (`resources:`); not part of cache keys.
    public var resources: ClusterResources = ClusterResources()
    /// Where the stage is declared, for messages.
    public var location: SourceLocation

    public init(
        name: String, uses: String, needs: [String] = [], foreach: String? = nil,
        with: [String: JSONValue] = [:], concurrency: Int? = nil, retries: Int = 0,
        timeout: Double? = nil, onError: OnError = .fail, location: SourceLocation
    ) {
        self.name = name
        self.uses = uses
        self.needs = needs
        self.foreach = foreach
        self.with = with
        templates = Interpolation.templates(in: .object(with))
        self.concurrency = concurrency
        self.retries = retries
        self.timeout = timeout
        self.onError = onError
        self.location = location
    }
}

/// A position in a pipeline file, 1-based.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}
