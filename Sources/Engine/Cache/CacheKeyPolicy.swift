import JSON
import PluginAPI

/// Which of a stage's parameters enter its cache key, and how.
///
/// A parameter declared as not affecting outputs (`threads`, `replicas`, `checkpoint_every`) is
/// left out: changing it re-runs nothing. A `file` parameter is keyed by its content digest
/// (``CacheKeyFields/files``), not by its path text, so moving an identical file re-runs nothing;
/// a template (`${item.stem}.pt`, listed in ``StageSpec/templates``) cannot be hashed before the
/// run and keeps its text. Whether a value is a template is read from there only: a path written
/// with the escape `$${`, final text after loading, is keyed by its file's content.
public enum CacheKeyPolicy {
    /// `values` without the parameters that are not keyed by value.
    static func keyed(_ values: [String: JSONValue], of stage: StageSpec, _ descriptor: PluginDescriptor) -> [String: JSONValue] {
        var keyed = values
        for spec in descriptor.parameters where !spec.affectsOutputs || isKeyedByContent(spec, values[spec.name], in: stage) {
            keyed[spec.name] = nil
        }
        return keyed
    }

    /// Whether `value` of `spec` is keyed by the content of the file it names: a `file` parameter
    /// that is set and not a template of `stage`.
    static func isKeyedByContent(_ spec: ParameterSpec, _ value: JSONValue?, in stage: StageSpec) -> Bool {
        guard spec.type == .file, let text = value?.stringValue, !text.isEmpty else { return false }
        return !stage.templates.contains([.key(spec.name)])
    }

    /// The parameters left out of the key because they do not affect outputs, as `why` lists
    /// them: `threads=2`, in declaration order.
    public static func unkeyedSettings(of descriptor: PluginDescriptor, values: [String: JSONValue]) -> [String] {
        descriptor.parameters.filter { !$0.affectsOutputs }.map { spec in
            "\(spec.name)=\((values[spec.name] ?? spec.defaultValue).map(CanonicalJSON.string) ?? "(none)")"
        }
    }
}
