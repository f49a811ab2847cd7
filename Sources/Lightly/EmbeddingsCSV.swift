import Foundation

/// One row of an embeddings CSV: a sample (or frame) name, its embedding and a label.
public struct EmbeddingRow: Sendable, Hashable {
    public var fileName: String
    public var embedding: [Double]
    /// 0 when unknown (Lightly's custom embeddings always use 0).
    public var label: Int

    public init(fileName: String, embedding: [Double], label: Int = 0) {
        self.fileName = fileName
        self.embedding = embedding
        self.label = label
    }
}

/// Embeddings in Lightly's CSV layout:
///
/// ```
/// filenames,embedding_0,embedding_1,labels
/// clips/game-007-mp4.png,0.25,-1.5,0
/// ```
///
/// Numbers are written in Swift's shortest round-trip form; names containing `,` `"` or a line
/// break are quoted as RFC 4180 does.
public enum EmbeddingsCSV {
    /// The CSV text for `rows`, whose embeddings must all have the same dimension.
    /// - Throws: ``LightlyError`` (`invalidContent`) when dimensions differ or a value is not finite.
    public static func write(_ rows: [EmbeddingRow], dimension: Int? = nil) throws(LightlyError) -> String {
        let width = dimension ?? rows.first?.embedding.count ?? 0
        var lines = [(["filenames"] + (0..<width).map { "embedding_\($0)" } + ["labels"]).joined(separator: ",")]
        for row in rows {
            guard row.embedding.count == width else {
                throw LightlyError("embedding of '\(row.fileName)' has \(row.embedding.count) values, expected \(width)",
                                   code: .invalidContent)
            }
            guard row.embedding.allSatisfy(\.isFinite) else {
                throw LightlyError("embedding of '\(row.fileName)' has a value that is not finite", code: .invalidContent)
            }
            lines.append(([quote(row.fileName)] + row.embedding.map { "\($0)" } + [String(row.label)]).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses and validates an embeddings CSV.
    /// - Throws: ``LightlyError`` (`invalidContent`) describing the first problem, with its line.
    public static func read(_ text: String) throws(LightlyError) -> [EmbeddingRow] {
        let (rows, problems) = parse(text)
        if let first = problems.first {
            throw LightlyError(first.message, code: .invalidContent, jsonPath: first.jsonPath)
        }
        return rows
    }

    /// Every problem of an embeddings CSV, with `jsonPath` set to `line N` (`file` is empty).
    public static func problems(in text: String) -> [LightlyProblem] { parse(text).1 }

    private static func parse(_ text: String) -> ([EmbeddingRow], [LightlyProblem]) {
        var problems: [LightlyProblem] = []
        func report(_ line: Int, _ message: String) {
            problems.append(LightlyProblem(file: "", jsonPath: "line \(line)", message: message))
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let headerLine = lines.first else {
            report(1, "empty file: expected the header filenames,embedding_0,…,labels")
            return ([], problems)
        }
        let header = fields(headerLine)
        if header.contains(where: { $0.contains(where: \.isWhitespace) }) {
            report(1, "header cells must not contain whitespace")
        }
        if header.first != "filenames" { report(1, "the first column must be 'filenames'") }
        guard let labelsColumn = header.firstIndex(of: "labels") else {
            report(1, "a 'labels' column is required")
            return ([], problems)
        }
        var embeddingColumns: [Int] = []
        for (column, name) in header.enumerated() where column != 0 && column != labelsColumn {
            if name == "embedding_\(embeddingColumns.count)" {
                embeddingColumns.append(column)
            } else if name != "masked" && name != "selected" {
                report(1, "column '\(name)': expected 'embedding_\(embeddingColumns.count)'")
            }
        }
        var rows: [EmbeddingRow] = []
        var seen: Set<String> = []
        for (offset, line) in lines.enumerated().dropFirst() {
            let number = offset + 1
            guard !line.isEmpty else {
                report(number, "empty row")
                continue
            }
            let cells = fields(line)
            guard cells.count == header.count else {
                report(number, "\(cells.count) cells, but the header has \(header.count) columns")
                continue
            }
            let embedding = embeddingColumns.compactMap { Double(cells[$0]).flatMap { $0.isFinite ? $0 : nil } }
            guard embedding.count == embeddingColumns.count else {
                report(number, "every embedding value must be a finite number")
                continue
            }
            guard let label = Int(cells[labelsColumn]) else {
                report(number, "label '\(cells[labelsColumn])' is not an integer")
                continue
            }
            if cells[0].isEmpty {
                report(number, "empty file name")
            } else if !seen.insert(cells[0]).inserted {
                report(number, "'\(cells[0])' appears twice")
            }
            rows.append(EmbeddingRow(fileName: cells[0], embedding: embedding, label: label))
        }
        return (rows, problems)
    }

    private static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits one CSV line into fields, honouring double quotes.
    private static func fields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
