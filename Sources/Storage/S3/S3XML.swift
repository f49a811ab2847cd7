import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Markup

/// A flat reader of S3's XML answers: collects the text of leaf elements by name, in order,
/// grouped under a repeating parent element when one is named.
final class S3XMLDocument: NSObject, XMLParserDelegate {
    private(set) var values: [String: [String]] = [:]
    private(set) var records: [[String: String]] = []
    private let recordElement: String?
    private var current: [String: String]?
    private var text = ""

    private init(recordElement: String?) {
        self.recordElement = recordElement
    }

    /// Parses `data`; `recordElement` (e.g. `Contents`) collects each such element's children as one record.
    static func parse(_ data: Data, recordElement: String? = nil) -> S3XMLDocument? {
        let document = S3XMLDocument(recordElement: recordElement)
        let parser = XMLParser(data: data)
        parser.delegate = document
        return parser.parse() ? document : nil
    }

    func first(_ name: String) -> String? { values[name]?.first }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if elementName == recordElement { current = [:] }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == recordElement, let record = current {
            records.append(record)
            current = nil
        } else if current != nil {
            current?[elementName] = text
        } else {
            values[elementName, default: []].append(text)
        }
        text = ""
    }
}
