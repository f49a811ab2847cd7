/// A grid cell of the report: a picture fitted into the cell above a two-line caption, with
/// something drawn over it, or a placeholder naming the file when it could not be read.
struct PictureCell {
    static let captionHeight = 28.0

    /// The picture; nil when the file could not be read.
    var image: CairoSurface?
    /// What the picture is (`crop`, `frame`) and its file, for the placeholder.
    var kind: String
    var path: String
    var title: String
    var subtitle: String

    /// Draws the cell; `overlay` gets the picture's top-left corner and scale (points per pixel).
    func draw(_ canvas: Canvas, in cell: Rect, overlay: (_ origin: (x: Double, y: Double), _ scale: Double) -> Void) {
        let imageArea = cell.inset(bottom: Self.captionHeight)
        canvas.fill(imageArea, Color(hex: 0xF2F2F2))
        if let image {
            let placed = canvas.image(image, fitting: imageArea)
            canvas.withSavedState {
                canvas.clip(to: placed)
                overlay((placed.x, placed.y), placed.width / Double(max(image.width, 1)))
            }
        } else {
            let middle = imageArea.x + imageArea.width / 2
            canvas.text("\(kind) missing", middle, imageArea.y + imageArea.height / 2, size: 9, color: .muted, align: .middle)
            canvas.text(canvas.fitted(path, width: imageArea.width - 6, size: 7), middle, imageArea.y + imageArea.height / 2 + 12, size: 7, color: .muted, align: .middle)
        }
        canvas.stroke(imageArea, Color(hex: 0xCCCCCC), width: 0.6)
        canvas.text(canvas.fitted(title, width: cell.width - 4, size: 9, bold: true), cell.x + 2, imageArea.maxY + 12, size: 9, bold: true)
        canvas.text(canvas.fitted(subtitle, width: cell.width - 4, size: 8), cell.x + 2, imageArea.maxY + 24, size: 8, color: .muted)
    }
}
