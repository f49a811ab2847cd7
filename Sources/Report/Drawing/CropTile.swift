/// One gallery cell: a crop with its keypoints (COCO skeleton lines and score-coloured dots)
/// and a caption with its score and frame.
struct CropTile {
    /// COCO's 17-keypoint skeleton, 0-based pairs (nose, eyes, ears, shoulders, elbows, wrists,
    /// hips, knees, ankles).
    static let cocoSkeleton: [(Int, Int)] = [
        (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7),
        (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
    ]
    static let captionHeight = 30.0

    var crop: GalleryCrop
    /// The crop's pixels; nil when the file could not be read (a placeholder is drawn).
    var image: CairoSurface?
    var rank: Int

    func draw(_ canvas: Canvas, in cell: Rect) {
        let imageArea = cell.inset(bottom: Self.captionHeight)
        canvas.fill(imageArea, Color(hex: 0xF2F2F2))
        if let image {
            let placed = canvas.image(image, fitting: imageArea)
            let scale = placed.width / Double(max(image.width, 1))
            drawKeypoints(canvas, origin: (placed.x, placed.y), scale: scale)
        } else {
            canvas.text("crop missing", imageArea.x + imageArea.width / 2, imageArea.y + imageArea.height / 2, size: 9, color: .muted, align: .middle)
            canvas.text(canvas.fitted(crop.path, width: imageArea.width - 6, size: 7), imageArea.x + imageArea.width / 2, imageArea.y + imageArea.height / 2 + 12, size: 7, color: .muted, align: .middle)
        }
        canvas.stroke(imageArea, Color(hex: 0xCCCCCC), width: 0.6)
        canvas.text("#\(rank)  score \(Ticks.format(crop.score, step: 0.001))", cell.x + 2, imageArea.maxY + 12, size: 9, bold: true)
        canvas.text(canvas.fitted(crop.frame, width: cell.width - 4, size: 8), cell.x + 2, imageArea.maxY + 24, size: 8, color: .muted)
    }

    private func drawKeypoints(_ canvas: Canvas, origin: (Double, Double), scale: Double) {
        let count = crop.keypoints.count / 3
        let point = { (index: Int) in
            (origin.0 + crop.keypoints[3 * index] * scale, origin.1 + crop.keypoints[3 * index + 1] * scale, crop.keypoints[3 * index + 2])
        }
        if count == 17 {
            for (a, b) in Self.cocoSkeleton {
                let (x0, y0, s0) = point(a), (x1, y1, s1) = point(b)
                canvas.line(x0, y0, x1, y1, Color(hex: 0x00E5FF, alpha: 0.35 + 0.6 * min(max(min(s0, s1), 0), 1)), width: 1.8)
            }
        }
        for index in 0..<count {
            let (x, y, s) = point(index)
            canvas.circle(x, y, radius: 2.6, fill: .viridis(s), stroke: .white, width: 0.7)
        }
    }
}
