/// Escaping for text and attribute values in XML and HTML: the one escaper that the report,
/// the labelling tools' files and S3's request bodies share.
public enum Markup {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities, safe inside an element or a
    /// quoted attribute value of either language.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"  // HTML 4 lacks &apos;; &#39; reads the same in both.
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
