// "Did you mean" suggestions, in the spirit of Python's difflib.get_close_matches (cutoff 0.6),
// which the Lightly client uses for unknown config keys.
enum ClosestMatch {
    /// The candidate most similar to `word` (case-insensitive), or nil when none is close.
    static func find(_ word: String, in candidates: [String]) -> String? {
        let lowered = Array(word.lowercased())
        var best: (candidate: String, ratio: Double)?
        for candidate in candidates {
            let other = Array(candidate.lowercased())
            let longest = max(lowered.count, other.count)
            guard longest > 0 else { continue }
            let ratio = 1 - Double(editDistance(lowered, other)) / Double(longest)
            if ratio >= 0.6, ratio > (best?.ratio ?? 0) { best = (candidate, ratio) }
        }
        return best?.candidate
    }

    /// "Did you mean 'X'?" when a close candidate exists, else the list of candidates.
    static func hint(for word: String, in candidates: [String], listName: String = "expected one of") -> String {
        if let match = find(word, in: candidates) { return "Did you mean '\(match)'?" }
        return "\(listName): " + candidates.map { "'\($0)'" }.joined(separator: ", ")
    }

    /// "Did you mean 'X'? " when a close candidate exists, then always the list of candidates.
    static func listing(for word: String, in candidates: [String], listName: String) -> String {
        let suggestion = find(word, in: candidates).map { "Did you mean '\($0)'? " } ?? ""
        return suggestion + "\(listName): " + candidates.map { "'\($0)'" }.joined(separator: ", ")
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
