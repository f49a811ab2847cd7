import Foundation
import PluginAPI
import Storage

/// What `upload` finds in the datasources before it writes anything: the objects already there
/// with the same bytes (by plan entry), the SHA-256 of every entry, and the planned keys.
struct UploadSurvey: Sendable {
    var plan: UploadPlan
    var present: [Int: ObjectInfo] = [:]
    var sha256s: [Int: String] = [:]

    /// HEADs every planned object.
    static func make(_ plan: UploadPlan, stores: [UploadPlan.Role: any BlobStore]) async throws -> UploadSurvey {
        var survey = UploadSurvey(plan: plan)
        for (index, entry) in plan.entries.enumerated() {
            try Task.checkCancellation()
            guard let store = stores[entry.role] else { continue }
            let sha256 = try entry.sha256()
            survey.sha256s[index] = sha256
            if let existing = try await mapped({ try await store.head(entry.key) }),
               try UploadStage.matches(existing, file: entry.file, sha256: sha256) {
                survey.present[index] = existing
            }
        }
        return survey
    }

    /// The planned keys of `role`; with `present`, only those already there (`true`) or not (`false`).
    func keys(_ role: UploadPlan.Role, present wanted: Bool? = nil) -> Set<String> {
        var keys = Set<String>()
        for (index, entry) in plan.entries.enumerated() where entry.role == role {
            if let wanted, (present[index] != nil) != wanted { continue }
            keys.insert(entry.key)
        }
        return keys
    }
}
