/// Checks object keys: relative, `/`-separated, no empty, `.` or `..` segments.
public enum ObjectKey {
    /// Returns `key` unchanged if it is a valid object key.
    /// - Throws: ``StorageError`` with code `invalidKey`, naming the datasource and the key.
    @discardableResult
    public static func validate(_ key: String, datasource: String) throws -> String {
        func reject(_ why: String) -> StorageError {
            StorageError(.invalidKey, "invalid object key: \(why)", datasource: datasource, key: key)
        }
        if key.isEmpty { throw reject("it is empty") }
        if key.hasPrefix("/") { throw reject("absolute keys are not allowed") }
        if key.contains("\\") { throw reject("backslashes are not allowed") }
        if key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw reject("control characters are not allowed")
        }
        for segment in key.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { throw reject("empty path segments are not allowed") }
            if segment == ".." { throw reject("'..' would escape the datasource root") }
            if segment == "." { throw reject("'.' segments are not allowed") }
        }
        return key
    }
}
