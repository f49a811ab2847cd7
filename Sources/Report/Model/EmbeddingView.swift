/// A 2-D view of the embeddings (of objects or of frames), coloured by a score.
///
/// `report.json` stores the 2-D points, not the high-dimensional embeddings (those are in
/// `embeddings.csv`); ``init(projecting:level:scoreName:scores:selected:frames:)`` computes them
/// with ``PrincipalComponents``.
public struct EmbeddingView: Sendable, Equatable, Codable {
    /// What a point is.
    public enum Level: String, Sendable, Equatable, Codable {
        case objects, frames
    }

    public var level: Level
    /// How the points were made (`pca`).
    public var method: String
    /// Share of the variance each of the two axes explains (0…1).
    public var explainedVariance: [Double]
    /// The score that colours the points (`objectness_least_confidence`, …).
    public var scoreName: String
    public var points: [EmbeddingPoint]

    public init(level: Level, method: String, explainedVariance: [Double], scoreName: String, points: [EmbeddingPoint]) {
        self.level = level
        self.method = method
        self.explainedVariance = explainedVariance
        self.scoreName = scoreName
        self.points = points
    }

    /// Projects high-dimensional embeddings onto their first two principal components.
    ///
    /// - Parameters:
    ///   - vectors: one embedding per object (or frame), all of one length.
    ///   - scores, selected, frames: parallel to `vectors`.
    /// - Throws: ``ReportError`` when the arrays differ in length or the vectors in dimension.
    public init(
        projecting vectors: [[Double]], level: Level, scoreName: String,
        scores: [Double], selected: [Bool], frames: [String]
    ) throws {
        guard scores.count == vectors.count, selected.count == vectors.count, frames.count == vectors.count else {
            throw ReportError(
                .invalidData,
                "embedding view: \(vectors.count) vectors but \(scores.count) scores, \(selected.count) selected flags and \(frames.count) frame names"
            )
        }
        let projection = try PrincipalComponents(vectors, count: 2)
        self.init(
            level: level, method: "pca", explainedVariance: projection.explainedVariance, scoreName: scoreName,
            points: vectors.indices.map { index in
                EmbeddingPoint(
                    x: projection.coordinates[index][0], y: projection.coordinates[index][1],
                    score: scores[index], selected: selected[index], frame: frames[index]
                )
            }
        )
    }
}

/// One embedded object or frame.
public struct EmbeddingPoint: Sendable, Equatable, Codable {
    public var x: Double
    public var y: Double
    public var score: Double
    public var selected: Bool
    public var frame: String

    public init(x: Double, y: Double, score: Double, selected: Bool, frame: String) {
        self.x = x
        self.y = y
        self.score = score
        self.selected = selected
        self.frame = frame
    }
}
