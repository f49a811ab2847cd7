import Foundation
import JSON
import PluginAPI
import Yams

/// Checks a read pipeline against the plugins and the file system, and builds its stages:
/// plugins, `needs` and cycles, `with:` parameters and their types, parameters that flow along
/// `needs` (``NeedsInheritance``), `${…}` references, modes, and `foreach` globs.
struct PipelineValidator {
    let registry: PluginRegistry
    let draft: PipelineDraft
    let directory: URL
    let workdir: URL
    var problems: DiagnosticList

    private var stagesByName: [String: StageDraft] = [:]

    init(registry: PluginRegistry, draft: PipelineDraft, directory: URL, workdir: URL, file: String) {
        self.registry = registry
        self.draft = draft
        self.directory = directory
        self.workdir = workdir
        self.problems = DiagnosticList(file: file)
        for stage in draft.stages where stagesByName[stage.name] == nil { stagesByName[stage.name] = stage }
    }

    mutating func validate() -> [StageSpec] {
        for stage in draft.stages { checkUses(stage) }
        for stage in draft.stages { checkNeeds(stage) }
        checkCycles()
        let checked = draft.stages.map { stage in
            let descriptor = descriptor(of: stage)
            let problemsBefore = problems.diagnostics.count
            let (with, templates) = checkedWith(stage, descriptor: descriptor)
            return (values: NeedsInheritance.StageValues(draft: stage, descriptor: descriptor, with: with, templates: templates),
                    isValid: problems.diagnostics.count == problemsBefore)
        }
        var inheritance = NeedsInheritance(
            stages: Dictionary(checked.map { ($0.values.draft.name, $0.values) }, uniquingKeysWith: { first, _ in first }),
            directory: directory, file: problems.file)
        let specs = checked.map { stage in
            build(stage.values, resolved: inheritance.resolve(stage.values.draft.name), isValid: stage.isValid)
        }
        problems.append(contentsOf: inheritance.problems.diagnostics)
        return specs
    }

    private func descriptor(of stage: StageDraft) -> PluginDescriptor? {
        stage.uses.flatMap { registry.stage(id: $0.value)?.descriptor }
    }

    private mutating func checkUses(_ stage: StageDraft) {
        guard let uses = stage.uses, registry.stage(id: uses.value) == nil else { return }
        let hint = NameSuggestion.hint(for: uses.value, in: registry.stages.keys)
        problems.error(at: uses.location, "unknown plugin '\(uses.value)'\(hint)")
    }

    private mutating func checkNeeds(_ stage: StageDraft) {
        var seen: Set<String> = []
        for need in stage.needs {
            if stagesByName[need.value] == nil {
                let hint = NameSuggestion.hint(for: need.value, in: draft.stages.map(\.name).filter { $0 != stage.name })
                problems.error(at: need.location, "stage '\(stage.name)' needs unknown stage '\(need.value)'\(hint)")
            } else if !seen.insert(need.value).inserted {
                problems.error(at: need.location, "stage '\(stage.name)' lists '\(need.value)' in needs twice")
            }
        }
    }

    /// Reports each cycle once, at the `needs` entry that closes it in file order.
    private mutating func checkCycles() {
        enum State { case visiting, done }
        var state: [String: State] = [:]
        var path: [String] = []
        var reported: Set<Set<String>> = []

        func visit(_ name: String) {
            guard let stage = stagesByName[name] else { return }
            state[name] = .visiting
            path.append(name)
            for need in stage.needs where stagesByName[need.value] != nil {
                switch state[need.value] {
                case .visiting:
                    let start = path.firstIndex(of: need.value) ?? 0
                    let cycle = Array(path[start...])
                    if reported.insert(Set(cycle)).inserted {
                        let text = (cycle + [need.value]).joined(separator: " -> ")
                        problems.error(at: need.location, "cycle in needs: \(text)")
                    }
                case .done:
                    break
                case nil:
                    visit(need.value)
                }
            }
            path.removeLast()
            state[name] = .done
        }
        for stage in draft.stages where state[stage.name] == nil { visit(stage.name) }
    }

    // MARK: Stages

    /// The stage's spec from its checked `with:` and what it takes from upstream; defaults filled
    /// in, required parameters checked, and (when its own values are valid) the plugin's hook asked.
    private mutating func build(
        _ read: NeedsInheritance.StageValues,
        resolved: (with: [String: JSONValue], templates: Set<ValuePath>, upstream: [String: [JSONValue]]), isValid: Bool
    ) -> StageSpec {
        let draftStage = read.draft
        let descriptor = read.descriptor
        var with = resolved.with
        let templates = resolved.templates
        var isValid = isValid
        if let descriptor, let uses = draftStage.uses {
            for spec in descriptor.parameters where spec.isRequired && with[spec.name] == nil
                && !draftStage.with.contains(where: { $0.key.value == spec.name }) {
                problems.error(at: uses.location, "stage '\(draftStage.name)' is missing required parameter '\(spec.name)' of plugin '\(descriptor.id)'")
                isValid = false
            }
            with = ParameterTypeCheck.withDefaults(with, of: descriptor)
        }
        var settings: (any Sendable)?
        if isValid, let plugin = draftStage.uses.flatMap({ registry.stage(id: $0.value) }) {
            settings = checkWithHooks(plugin, with: with, upstream: resolved.upstream, stage: draftStage)
        }
        var spec = StageSpec(
            name: draftStage.name, uses: draftStage.uses?.value ?? "", needs: draftStage.needs.map(\.value),
            foreach: nil, with: with, concurrency: draftStage.concurrency, retries: draftStage.retries,
            timeout: draftStage.timeout, onError: draftStage.onError, location: draftStage.location
        )
        spec.templates = templates
        spec.settings = settings
        spec.executor = draftStage.executor
        spec.resources = draftStage.resources
        // A model on `cuda` needs a GPU on the node the job lands on.
        if spec.resources.gpus == nil, with["device"]?.stringValue?.hasPrefix("cuda") == true {
            spec.resources.gpus = 1
        }
        if let foreach = draftStage.foreach {
            spec.foreach = checkedForeach(foreach.text, node: foreach.node, stage: draftStage, descriptor: descriptor)
        }
        return spec
    }

    private func mode(of stage: StageDraft) -> PluginDescriptor.Mode? {
        guard let descriptor = descriptor(of: stage) else { return nil }
        let with = Dictionary(stage.with.map { ($0.key.value, $0.value.jsonValue) }, uniquingKeysWith: { a, _ in a })
        return PluginRegistry.mode(of: descriptor, with: Interpolation.resolveParams(.object(with), params: draft.params).value.objectValue ?? [:])
    }

    /// Whether items of `stage` descend from exactly one `foreach` match, so `${item.path}` exists.
    private func hasSourceFile(_ name: String, visiting: Set<String> = []) -> Bool {
        guard let stage = stagesByName[name], !visiting.contains(name), mode(of: stage) != .gather else { return false }
        if stage.foreach != nil { return true }
        return stage.needs.contains { hasSourceFile($0.value, visiting: visiting.union([name])) }
    }

    /// The stage's given `with:` values, type-checked, and where they hold templates
    /// (``Interpolation/resolveParams(_:params:)``); defaults come after ``NeedsInheritance``.
    private mutating func checkedWith(_ stage: StageDraft, descriptor: PluginDescriptor?) -> ([String: JSONValue], Set<ValuePath>) {
        var with: [String: JSONValue] = [:]
        var templates: Set<ValuePath> = []
        let declared = Dictionary((descriptor?.parameters ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (key, node) in stage.with {
            checkReferences(in: node, stage: stage, allowItemLevel: true)
            let (value, valueTemplates) = Interpolation.resolveParams(node.jsonValue, params: draft.params)
            templates.formUnion(valueTemplates.map { [.key(key.value)] + $0 })
            guard let descriptor else {
                with[key.value] = value
                continue
            }
            guard let spec = declared[key.value] else {
                let hint = NameSuggestion.hint(for: key.value, in: declared.keys)
                problems.error(at: key.location, "unknown parameter '\(key.value)' for plugin '\(descriptor.id)'\(hint)")
                continue
            }
            with[key.value] = checkedValue(value, node: node, spec: spec, templates: valueTemplates)
        }
        return (with, templates)
    }

    /// Type-checks one parameter; durations become seconds.
    /// `templates`: the template strings under `value`, by path from `value`.
    private mutating func checkedValue(_ value: JSONValue, node: Node, spec: ParameterSpec, templates: Set<ValuePath>) -> JSONValue {
        if case .list(let element) = spec.type, case .array(let values) = value, case .sequence(let nodes) = node,
           values.count == nodes.count {
            let elementSpec = ParameterSpec(spec.name, element, doc: spec.doc)
            return .array(zip(values, nodes).enumerated().map { index, pair in
                let elementTemplates = Set(templates.filter { $0.first == .index(index) }.map { Array($0.dropFirst()) })
                return checkedValue(pair.0, node: pair.1, spec: elementSpec, templates: elementTemplates)
            })
        }
        if let problem = ParameterTypeCheck.problem(value, spec.type) {
            problems.error(at: node, "parameter '\(spec.name)' \(problem)")
            return value
        }
        if let problem = ParameterTypeCheck.rangeProblem(value, spec) {
            problems.error(at: node, "parameter '\(spec.name)' \(problem)")
            return value
        }
        switch spec.type {
        case .duration:
            return ParameterTypeCheck.seconds(of: value).map(JSONValue.double) ?? value
        case .file:
            // A template names its file per item: checked when the item runs.
            if let path = value.stringValue, !templates.contains([]) {
                let url = PipelinePath.resolve(path, against: directory)
                if !FileManager.default.fileExists(atPath: url.path) {
                    problems.error(at: node, "parameter '\(spec.name)' names file '\(path)', which does not exist")
                }
            }
            return value
        default:
            return value
        }
    }

    /// Asks the plugin to decode and check its structured settings, reporting each issue at the
    /// YAML node of its key path (or the deepest node of that path the file has).
    /// - Returns: the decoded settings, which the stage's items receive.
    private mutating func checkWithHooks(
        _ plugin: any Stage, with: [String: JSONValue], upstream: [String: [JSONValue]], stage: StageDraft
    ) -> (any Sendable)? {
        var parameters = Parameters(values: with, baseDirectory: directory, upstreamValues: upstream)
        let issues: [ParameterIssue]
        do {
            parameters.settings = try plugin.decodeSettings(parameters)
            issues = plugin.validate(parameters)
        } catch {
            issues = error.issues
        }
        report(issues, of: stage)
        return parameters.settings
    }

    private mutating func report(_ issues: [ParameterIssue], of stage: StageDraft) {
        for issue in issues {
            guard case .key(let parameter)? = issue.path.components.first,
                  let entry = stage.with.first(where: { $0.key.value == parameter }) else {
                problems.error(at: stage.uses?.location ?? stage.location, "\(issue)")
                continue
            }
            problems.error(at: entry.value.deepestNode(along: issue.path.components.dropFirst()), "\(issue)")
        }
    }

    /// Reports malformed and unknown `${…}` references in every string under `node`.
    private mutating func checkReferences(in node: Node, stage: StageDraft, allowItemLevel: Bool) {
        switch node {
        case .mapping(let mapping):
            for (_, value) in mapping { checkReferences(in: value, stage: stage, allowItemLevel: allowItemLevel) }
        case .sequence(let sequence):
            for value in sequence { checkReferences(in: value, stage: stage, allowItemLevel: allowItemLevel) }
        case .scalar(let scalar):
            switch InterpolationTemplate.parse(scalar.string) {
            case .failure(let problem):
                problems.error(at: node, problem.message)
            case .success(let parts):
                for case .reference(let reference) in parts {
                    if let message = problem(with: reference, stage: stage, allowItemLevel: allowItemLevel) {
                        problems.error(at: node, message)
                    }
                }
            }
        case .alias:
            break
        }
    }

    private func problem(with reference: InterpolationReference, stage: StageDraft, allowItemLevel: Bool) -> String? {
        let text = "'${\(reference.text)}'"
        if reference.isItemLevel, !allowItemLevel {
            return "\(text) is not known before the run; only ${params.NAME} can be used here"
        }
        switch reference {
        case .param(let name):
            guard draft.params[name] == nil else { return nil }
            return "unknown pipeline parameter \(text)\(NameSuggestion.hint(for: name, in: draft.params.keys))"
        case .input(let name):
            guard !stage.needs.contains(where: { $0.value == name }) else { return nil }
            let hint = NameSuggestion.hint(for: name, in: stage.needs.map(\.value))
            return "\(text) names stage '\(name)', which is not in the needs of '\(stage.name)'\(hint)"
        case .itemPath:
            guard !hasSourceFile(stage.name) else { return nil }
            return "\(text) needs one source file per item, but stage '\(stage.name)' has no foreach upstream or gathers"
        case .out:
            return nil
        case .itemName, .itemStem:
            return nil
        }
    }

    private mutating func checkedForeach(_ text: String, node: Node, stage: StageDraft, descriptor: PluginDescriptor?) -> String {
        if let descriptor, mode(of: stage) == .gather {
            let why = descriptor.mode == .gather ? "plugin '\(descriptor.id)'" : "plugin '\(descriptor.id)' with gather: true"
            problems.error(at: node, "stage '\(stage.name)' gathers (\(why)), so it cannot have 'foreach'")
        }
        checkReferences(in: node, stage: stage, allowItemLevel: false)
        // Only ${params.…} may be used here (checked above), so the pattern is final text.
        let pattern = Interpolation.resolveParams(.string(text), params: draft.params).value.stringValue ?? text
        do {
            if try !Glob(pattern).hasMatches(in: directory, excluding: workdir) {
                problems.error(at: node, "foreach '\(pattern)' matches no files")
            }
        } catch {
            problems.error(at: node, "foreach '\(pattern)' cannot be read: \(error.localizedDescription)")
        }
        return pattern
    }
}
