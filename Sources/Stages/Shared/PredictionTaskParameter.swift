import Foundation
import JSON
import Lightly
import PluginAPI

/// The `task` parameter of convert, export and labels: a prediction task's name, which must be
/// one the Lightly API accepts. Checked when the pipeline loads (each stage's `validate`), so a
/// bad name is reported at its `file:line:col` before anything runs.
enum PredictionTaskParameter {
    /// The issue with `parameters`' `task`, if any. `folderName`: the name also becomes one folder
    /// (convert writes `.lightly/predictions/<task>/`), so it may not contain `/`.
    static func issues(in parameters: Parameters, folderName: Bool = false) -> [ParameterIssue] {
        guard let name = parameters["task"]?.stringValue else { return [] }
        let allowed = folderName ? LightlyLayout.taskNamePunctuation.replacingOccurrences(of: "/", with: "") : LightlyLayout.taskNamePunctuation
        let valid = LightlyLayout.isValidTaskName(name) && !(folderName && name.contains("/"))
        guard !valid else { return [] }
        return [ParameterIssue(["task"], "'\(name)' is not a prediction task name: it must be non-empty and use only letters, digits and \(allowed)")]
    }
}
