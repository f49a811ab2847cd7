import Foundation
import PluginAPI

/// A pipeline expanded into items: which items each stage has and which upstream items
/// each one waits for. Items are in dependency order (an item's upstream items come first).
public struct ExecutionPlan: Sendable {
    /// One stage with its plugin and effective mode.
    public struct PlannedStage: Sendable {
        public var spec: StageSpec
        public var plugin: any Stage
        /// `plugin.descriptor`, read once: a plugin may build it on every access, and a run
        /// consults it for every item.
        public var descriptor: PluginDescriptor
        public var mode: PluginDescriptor.Mode
        /// Indices into ``ExecutionPlan/items``.
        public var items: [Int]
    }

    /// One item of a stage.
    public struct PlannedItem: Sendable {
        public var id: ItemID
        public var stageIndex: Int
        public var sources: [ItemSource]
        /// Indices of the upstream items this one reads.
        public var upstream: [Int]
    }

    public var pipeline: Pipeline
    /// Stages in dependency order.
    public var stages: [PlannedStage]
    public var items: [PlannedItem]
    public var itemIndex: [ItemID: Int]

    /// Expands `pipeline` with the plugins of `registry`.
    /// - Throws: ``PipelineError`` for an unknown plugin or a dependency cycle (validation
    ///   normally catches both first), ``CacheError`` when a glob cannot be read.
    public init(pipeline: Pipeline, registry: PluginRegistry) throws {
        self.pipeline = pipeline
        let ordered = try Self.dependencyOrder(pipeline)
        stages = []
        items = []
        itemIndex = [:]
        var stageIndexByName: [String: Int] = [:]
        for spec in ordered {
            guard let plugin = registry.stage(id: spec.uses) else {
                throw PipelineError(diagnostics: [Diagnostic(location: spec.location, message: "unknown plugin '\(spec.uses)'")])
            }
            let descriptor = plugin.descriptor
            let mode = PluginRegistry.mode(of: descriptor, with: spec.with)
            let stageIndex = stages.count
            stageIndexByName[spec.name] = stageIndex
            let upstreamStages = spec.needs.compactMap { stageIndexByName[$0] }
            var planned: [PlannedItem] = []
            if mode == .gather || (spec.foreach == nil && spec.needs.isEmpty) {
                let upstream = upstreamStages.flatMap { stages[$0].items }
                var sources: [ItemSource] = []
                var seen = Set<ItemSource>()
                for index in upstream { for source in items[index].sources where seen.insert(source).inserted { sources.append(source) } }
                if let pattern = spec.foreach {
                    sources = try Glob(pattern).matches(in: pipeline.directory, excluding: pipeline.workdir)
                }
                planned.append(PlannedItem(id: ItemID(stage: spec.name, key: "all"), stageIndex: stageIndex,
                                           sources: sources, upstream: upstream))
            } else if let pattern = spec.foreach {
                for source in try Glob(pattern).matches(in: pipeline.directory, excluding: pipeline.workdir) {
                    let upstream = upstreamStages.compactMap { Self.match(key: source.key, in: stages[$0], items: items, index: itemIndex) }
                    guard upstream.count == upstreamStages.count else { continue }
                    planned.append(PlannedItem(id: ItemID(stage: spec.name, key: source.key), stageIndex: stageIndex,
                                               sources: [source], upstream: upstream))
                }
            } else if let first = upstreamStages.first {
                for leading in stages[first].items {
                    let key = items[leading].id.key
                    let upstream = upstreamStages.compactMap { Self.match(key: key, in: stages[$0], items: items, index: itemIndex) }
                    guard upstream.count == upstreamStages.count else { continue }
                    planned.append(PlannedItem(id: ItemID(stage: spec.name, key: key), stageIndex: stageIndex,
                                               sources: items[leading].sources, upstream: upstream))
                }
            }
            var indices: [Int] = []
            for item in planned {
                itemIndex[item.id] = items.count
                indices.append(items.count)
                items.append(item)
            }
            stages.append(PlannedStage(spec: spec, plugin: plugin, descriptor: descriptor, mode: mode, items: indices))
        }
    }

    /// The upstream item a map item with `key` reads from `stage`: the same key, or the stage's
    /// single `all` item.
    private static func match(key: String, in stage: PlannedStage, items: [PlannedItem], index: [ItemID: Int]) -> Int? {
        if let found = index[ItemID(stage: stage.spec.name, key: key)] { return found }
        if stage.items.count == 1, items[stage.items[0]].id.key == "all" { return stage.items[0] }
        return nil
    }

    private static func dependencyOrder(_ pipeline: Pipeline) throws -> [StageSpec] {
        var ordered: [StageSpec] = []
        var placed = Set<String>()
        var remaining = pipeline.stages
        while !remaining.isEmpty {
            let ready = remaining.filter { spec in spec.needs.allSatisfy { placed.contains($0) || pipeline.stage(named: $0) == nil } }
            guard !ready.isEmpty else {
                throw PipelineError(diagnostics: remaining.map {
                    Diagnostic(location: $0.location, message: "stage '\($0.name)' is part of a dependency cycle")
                })
            }
            for spec in ready { placed.insert(spec.name) }
            ordered += ready
            remaining.removeAll { placed.contains($0.name) }
        }
        return ordered
    }

    public func stageIndex(named name: String) -> Int? { stages.firstIndex { $0.spec.name == name } }

    /// Names of `stage` and every stage downstream of it.
    public func downstream(of stage: String) -> Set<String> {
        var result: Set<String> = [stage]
        for planned in stages where planned.spec.needs.contains(where: result.contains) { result.insert(planned.spec.name) }
        return result
    }

    /// Names of `stage` and every stage upstream of it.
    public func upstream(of stage: String) -> Set<String> {
        var result: Set<String> = [stage]
        for planned in stages.reversed() where result.contains(planned.spec.name) { result.formUnion(planned.spec.needs) }
        return result
    }
}
