import Foundation
import PluginAPI

/// Finds an upstream stage's output by file name in an item's input directories
/// (never by the upstream stage's name: users name stages freely).
enum UpstreamFileLocator {
    /// The file called `name` at the top of one of `item.inputs`, searched in stage-name order.
    /// - Throws: ``StageError`` (`missingInput`) naming the file and the directories searched.
    static func find(_ name: String, in item: StageItem) throws -> URL {
        for stage in item.inputs.keys.sorted() {
            guard let directory = item.inputs[stage] else { continue }
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        let searched = item.inputs.isEmpty ? "no upstream stage" : "upstream stages " + item.inputs.keys.sorted().joined(separator: ", ")
        throw StageError("'\(item.key)': no \(name) in the outputs of \(searched); add the stage that writes it to 'needs'",
                         code: .missingInput)
    }

    /// Reads and decodes a JSON file written by an upstream stage.
    static func decode<T: Decodable>(_ type: T.Type, from url: URL, item: StageItem) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw StageError("'\(item.key)': \(url.lastPathComponent) is not valid: \(describe(error))", code: .invalidInput)
        } catch {
            throw StageError("'\(item.key)': cannot read \(url.path): \(error.localizedDescription)", code: .invalidInput)
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? "" : String(path.drop { $0 == "." }) + ": "
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context))missing '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context))\(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
