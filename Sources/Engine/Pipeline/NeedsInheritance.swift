import Foundation
import JSON
import PluginAPI

/// Parameters that name state stages share along `needs` (``ParameterSpec/flowsAlongNeeds``: the
/// datasources, the prediction task): an omitted one takes the value of the nearest upstream stage
/// that declares it, a given one must agree with it (unless the parameter names what the stage
/// writes, ``ParameterSpec/startsFlow``: `convert`'s task). Works on the `with:` values as given (after
/// `${params.…}`, before defaults), so keys, hooks and stages see the final values.
struct NeedsInheritance {
    /// One stage's read `with:` block.
    struct StageValues {
        var draft: StageDraft
        var descriptor: PluginDescriptor?
        /// Given values, type-checked.
        var with: [String: JSONValue]
        var templates: Set<ValuePath>
    }

    /// Where a value a stage uses was set.
    struct Setting {
        var value: JSONValue
        /// Compared instead of `value`: datasource URLs with relative paths resolved.
        var comparable: JSONValue
        /// The stage whose `with:` (or whose default) set it.
        var origin: String
        /// The value's position in the file; `nil` for a default.
        var location: SourceLocation?
        var isTemplate: Bool
    }

    /// A setting as one upstream path delivers it: `via` is the nearest stage declaring it.
    struct Delivered {
        var via: String
        var setting: Setting
    }

    private let stages: [String: StageValues]
    private let directory: URL
    private(set) var problems: DiagnosticList
    private var settings: [String: [String: Setting?]] = [:]
    private var visiting: Set<String> = []

    init(stages: [String: StageValues], directory: URL, file: String) {
        self.stages = stages
        self.directory = directory
        problems = DiagnosticList(file: file)
    }

    /// Every name some plugin of the pipeline declares as flowing along `needs`, with its type.
    private var flowingNames: [String: ParameterType] {
        var names: [String: ParameterType] = [:]
        for stage in stages.values {
            for spec in stage.descriptor?.parameters ?? [] where spec.flowsAlongNeeds { names[spec.name] = spec.type }
        }
        return names
    }

    /// The stage's `with:` with its omitted flowing parameters filled from upstream (defaults are
    /// the caller's), the templates among them, and what its upstream stages use for every flowing
    /// name (for the plugin's validation hook).
    mutating func resolve(_ name: String) -> (with: [String: JSONValue], templates: Set<ValuePath>, upstream: [String: [JSONValue]]) {
        guard var stage = stages[name] else { return ([:], [], [:]) }
        for spec in stage.descriptor?.parameters ?? [] where spec.flowsAlongNeeds {
            // Asked for given values too: that checks them against upstream. The stage's own
            // default is the caller's to fill, with the other defaults.
            guard let setting = setting(of: name, spec.name), setting.origin != name else { continue }
            stage.with[spec.name] = setting.value
            if setting.isTemplate { stage.templates.insert([.key(spec.name)]) }
        }
        var upstream: [String: [JSONValue]] = [:]
        for parameter in flowingNames.keys.sorted() {
            let values = delivered(to: name, parameter).map(\.setting.value)
            if !values.isEmpty { upstream[parameter] = values }
        }
        return (stage.with, stage.templates, upstream)
    }

    /// What `stage` uses for its flowing parameter `parameter`: given, taken from upstream, or its
    /// default; reports a given value that upstream contradicts, and upstream paths that disagree.
    private mutating func setting(of name: String, _ parameter: String) -> Setting? {
        if let known = settings[name]?[parameter] { return known }
        guard let stage = stages[name], let spec = stage.descriptor?.parameters.first(where: { $0.name == parameter }),
              !visiting.contains(name)
        else { return nil }
        visiting.insert(name)
        defer { visiting.remove(name) }
        let upstream = delivered(to: name, parameter)
        let result: Setting?
        if let value = stage.with[parameter] {
            let node = stage.draft.with.first { $0.key.value == parameter }?.value
            let location = node?.location(in: problems.file) ?? stage.draft.location
            let given = Setting(
                value: value, comparable: comparable(value, spec.type), origin: name, location: location,
                isTemplate: stage.templates.contains([.key(parameter)]))
            // A stage that names what it writes (`convert`'s task) starts a flow of its own.
            if !spec.startsFlow, !upstream.isEmpty, !upstream.contains(where: { $0.setting.comparable == given.comparable }) {
                problems.error(at: location, """
                    parameter '\(parameter)' of stage '\(name)' is \(ParameterTypeCheck.describe(value)), but \
                    \(Self.list(upstream)); stages along needs must agree: omit '\(parameter)' here to take it from upstream
                    """)
            }
            result = given
        } else if upstream.count > 1 {
            problems.error(at: stage.draft.uses?.location ?? stage.draft.location, """
                stage '\(name)' takes parameter '\(parameter)' from upstream, but its upstream stages disagree: \
                \(Self.list(upstream)); set '\(parameter)' to one of them
                """)
            result = upstream[0].setting
        } else if let only = upstream.first {
            result = only.setting
        } else if let value = spec.defaultValue {
            result = Setting(value: value, comparable: comparable(value, spec.type), origin: name, location: nil, isTemplate: false)
        } else {
            result = nil
        }
        settings[name, default: [:]][parameter] = .some(result)
        return result
    }

    /// The distinct settings of `parameter` that reach `name` along its `needs`: from each need
    /// that declares it, else from further up that need's path.
    private mutating func delivered(to name: String, _ parameter: String, seen: Set<String> = []) -> [Delivered] {
        guard let stage = stages[name] else { return [] }
        var result: [Delivered] = []
        for need in stage.draft.needs.map(\.value) where !seen.contains(need) {
            let declares = stages[need]?.descriptor?.parameters.contains { $0.name == parameter && $0.flowsAlongNeeds } ?? false
            let found: [Delivered] = if declares {
                setting(of: need, parameter).map { [Delivered(via: need, setting: $0)] } ?? []
            } else {
                delivered(to: need, parameter, seen: seen.union([name]))
            }
            for entry in found where !result.contains(where: { $0.setting.comparable == entry.setting.comparable }) {
                result.append(entry)
            }
        }
        return result
    }

    /// `upstream stage 'upload' uses 'a' (set at p.yaml:3:4)`, one clause per delivered value.
    private static func list(_ delivered: [Delivered]) -> String {
        delivered.map { entry in
            let setting = entry.setting
            let origin = setting.origin == entry.via ? "" : " of stage '\(setting.origin)'"
            let source = setting.location.map { "set at \($0)" + (origin.isEmpty ? "" : " by stage '\(setting.origin)'") }
                ?? (origin.isEmpty ? "its default" : "the default\(origin)")
            return "upstream stage '\(entry.via)' uses \(ParameterTypeCheck.describe(setting.value)) (\(source))"
        }.joined(separator: ", ")
    }

    /// The value as compared: a datasource URL or path names the same place however it is written
    /// (relative to the pipeline folder, absolute, `file://`, a trailing `/`). This mirrors
    /// `Storage.DatasourceURL`, which `Engine` does not see.
    private func comparable(_ value: JSONValue, _ type: ParameterType) -> JSONValue {
        guard [ParameterType.url, .path, .file].contains(type), let text = value.stringValue, !text.isEmpty else { return value }
        if text.hasPrefix("s3://") {
            return .string("s3://" + text.dropFirst("s3://".count).trimmingCharacters(in: CharacterSet(charactersIn: "/")))
        }
        if text.hasPrefix("file://"), let url = URL(string: text), url.isFileURL {
            return .string("file://" + url.standardizedFileURL.path)
        }
        guard !text.contains("://") else { return value }
        return .string("file://" + PipelinePath.resolve(text, against: directory, isDirectory: true).path)
    }
}
