/// One cell of the frames grid: a selected frame whole, with its predicted boxes and skeletons,
/// and a caption with its pick position, object count and name.
struct FrameTile {
    var picture: FramePicture
    /// The frame's pixels; nil when the file could not be read (a placeholder is drawn).
    var image: CairoSurface?

    func draw(_ canvas: Canvas, in cell: Rect) {
        let title = "#\(picture.pick)  \(Self.caption(objects: picture.objects.count))"
        PictureCell(image: image, kind: "frame", path: picture.path, title: title, subtitle: picture.frame).draw(canvas, in: cell) { origin, scale in
            // Joints sized to the thumbnail, not to the frame: a 4K frame would otherwise get pin pricks.
            let radius = min(max(cell.width / 110, 1.2), 2.6)
            for object in picture.objects {
                if let bbox = object.bbox { Skeleton.box(bbox, canvas, origin: origin, scale: scale) }
                Skeleton.draw(object.keypoints, canvas, origin: origin, scale: scale, joint: radius)
            }
        }
    }

    /// "3 objects", "1 object", "no detections".
    static func caption(objects: Int) -> String {
        switch objects {
        case 0: "no detections"
        case 1: "1 object"
        case let count: "\(count) objects"
        }
    }
}
