/// One gallery cell: a crop with its keypoints (COCO skeleton lines and score-coloured dots)
/// and a caption with its score and frame.
struct CropTile {
    var crop: GalleryCrop
    /// The crop's pixels; nil when the file could not be read (a placeholder is drawn).
    var image: CairoSurface?
    var rank: Int

    func draw(_ canvas: Canvas, in cell: Rect) {
        let title = "#\(rank)  score \(Ticks.format(crop.score, step: 0.001))"
        PictureCell(image: image, kind: "crop", path: crop.path, title: title, subtitle: crop.frame).draw(canvas, in: cell) { origin, scale in
            Skeleton.draw(crop.keypoints, canvas, origin: origin, scale: scale)
        }
    }
}
