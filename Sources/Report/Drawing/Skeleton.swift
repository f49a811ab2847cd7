/// Draws predicted people: COCO's 17-keypoint limbs and score-coloured joints, and boxes.
enum Skeleton {
    /// COCO's 17-keypoint skeleton, 0-based pairs (nose, eyes, ears, shoulders, elbows, wrists,
    /// hips, knees, ankles).
    static let cocoEdges: [(Int, Int)] = [
        (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7),
        (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
    ]
    static let limbColor = Color(hex: 0x00E5FF)
    static let boxColor = Color(hex: 0xFFB000)

    /// Draws `keypoints` (`[x, y, s]*` in image pixels) mapped by `origin + pixel × scale`: limbs
    /// when there are 17 (more opaque where both ends are confident), then a dot per keypoint
    /// coloured by its score (viridis).
    static func draw(_ keypoints: [Double], _ canvas: Canvas, origin: (x: Double, y: Double), scale: Double, joint radius: Double = 2.6) {
        let count = keypoints.count / 3
        let point = { (index: Int) in
            (origin.x + keypoints[3 * index] * scale, origin.y + keypoints[3 * index + 1] * scale, keypoints[3 * index + 2])
        }
        if count == 17 {
            for (a, b) in cocoEdges {
                let (x0, y0, s0) = point(a), (x1, y1, s1) = point(b)
                canvas.line(x0, y0, x1, y1, limbColor.withAlpha(0.35 + 0.6 * min(max(min(s0, s1), 0), 1)), width: radius * 0.7)
            }
        }
        for index in 0..<count {
            let (x, y, s) = point(index)
            canvas.circle(x, y, radius: radius, fill: .viridis(s), stroke: .white, width: radius * 0.27)
        }
    }

    /// Strokes `bbox` (`[x, y, width, height]` in image pixels) mapped like ``draw(_:_:origin:scale:joint:)``.
    static func box(_ bbox: [Double], _ canvas: Canvas, origin: (x: Double, y: Double), scale: Double) {
        guard bbox.count == 4, bbox.allSatisfy(\.isFinite) else { return }
        canvas.stroke(Rect(x: origin.x + bbox[0] * scale, y: origin.y + bbox[1] * scale, width: bbox[2] * scale, height: bbox[3] * scale),
                      boxColor, width: 1.2)
    }
}
