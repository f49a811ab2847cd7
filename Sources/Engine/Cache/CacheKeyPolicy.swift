import JSON
import PluginAPI

/// Which of a stage's parameters enter its cache key, and how.
///
/// A parameter declared as not affecting outputs (`threads`, `replicas`, `checkpoint_every`) is
/// left out: changing it re-runs nothing. A `file` parameter is keyed by its content digest
/// (``CacheKeyFields/files``), not by its path text, so moving an identical file re-runs nothing;
/// one whose path holds an item-level reference (`${item.stem}.pt`) cannot be hashed before the
/// run and keeps its text.
public enum CacheKeyPolicy {
    /// `values` without the parameters that are not keyed by value.
    static func keyed(_ values: [String: JSONValue], of descriptor: PluginDescriptor) -> [String: JSONValue] {
        var keyed = values
        for spec in descriptor.parameters where !spec.affectsOutputs || isKeyedByContent(spec, values[spec.name]) {
            keyed[spec.name] = nil
        }
        return keyed
    }

    /// Whether `value` of `spec` is keyed by the content of the file it names.
    static func isKeyedByContent(_ spec: ParameterSpec, _ value: JSONValue?) -> Bool {
        guard spec.type == .file, let text = value?.stringValue, !text.isEmpty else { return false }
        return !text.contains("${")
    }

    /// The parameters left out of the key because they do not affect outputs, as `why` lists
    /// them: `threads=2`, in declaration order.
    public static func unkeyedSettings(of descriptor: PluginDescriptor, values: [String: JSONValue]) -> [String] {
        descriptor.parameters.filter { !$0.affectsOutputs }.map { spec in
            "\(spec.name)=\((values[spec.name] ?? spec.defaultValue).map(CanonicalJSON.string) ?? "(none)")"
        }
    }
}
