import Foundation
internal import CCairo

/// A drawing context on one cairo surface: the only type that calls cairo's drawing API.
///
/// Text uses cairo's toy text API with the "DejaVu Sans" font ("DejaVu Sans Mono" for code). Coordinates are points,
/// y downwards.
final class Canvas {
    private let context: OpaquePointer

    init(surface: CairoSurface) {
        context = cairo_create(surface.handle)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(context, CAIRO_LINE_CAP_ROUND)
    }

    deinit { cairo_destroy(context) }

    /// The first error cairo met while drawing, if any.
    var error: String? {
        let status = cairo_status(context)
        return status == CAIRO_STATUS_SUCCESS ? nil : String(cString: cairo_status_to_string(status))
    }

    func withSavedState(_ body: () throws -> Void) rethrows {
        cairo_save(context)
        defer { cairo_restore(context) }
        try body()
    }

    /// Scales all later drawing (for high-resolution PNGs).
    func scale(_ factor: Double) { cairo_scale(context, factor, factor) }

    func translate(_ x: Double, _ y: Double) { cairo_translate(context, x, y) }

    func clip(to rect: Rect) {
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(context)
    }

    func fill(_ rect: Rect, _ color: Color) {
        setColor(color)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(context)
    }

    func stroke(_ rect: Rect, _ color: Color, width: Double = 1) {
        setColor(color)
        cairo_set_line_width(context, width)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_stroke(context)
    }

    func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ color: Color, width: Double = 1, dash: [Double] = []) {
        setColor(color)
        cairo_set_line_width(context, width)
        cairo_set_dash(context, dash, Int32(dash.count), 0)
        cairo_move_to(context, x0, y0)
        cairo_line_to(context, x1, y1)
        cairo_stroke(context)
        cairo_set_dash(context, nil, 0, 0)
    }

    func circle(_ x: Double, _ y: Double, radius: Double, fill: Color?, stroke: Color? = nil, width: Double = 1) {
        cairo_new_sub_path(context)
        cairo_arc(context, x, y, radius, 0, 2 * Double.pi)
        if let fill {
            setColor(fill)
            if stroke == nil { cairo_fill(context) } else { cairo_fill_preserve(context) }
        }
        if let stroke {
            setColor(stroke)
            cairo_set_line_width(context, width)
            cairo_stroke(context)
        }
        cairo_new_path(context)
    }

    /// Where text sits relative to its anchor point.
    enum Alignment { case start, middle, end }

    /// Draws one line of text whose baseline starts, centres or ends at (x, y), optionally rotated
    /// (radians, counter-clockwise as seen on the page when negative).
    func text(
        _ string: String, _ x: Double, _ y: Double, size: Double, color: Color = .ink,
        bold: Bool = false, monospaced: Bool = false, align: Alignment = .start, rotation: Double = 0
    ) {
        let width = textWidth(string, size: size, bold: bold, monospaced: monospaced)
        setFont(size: size, bold: bold, monospaced: monospaced)
        let offset = switch align {
        case .start: 0.0
        case .middle: -width / 2
        case .end: -width
        }
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_rotate(context, rotation)
        cairo_move_to(context, offset, 0)
        setColor(color)
        cairo_show_text(context, string)
        cairo_restore(context)
    }

    func textWidth(_ string: String, size: Double, bold: Bool = false, monospaced: Bool = false) -> Double {
        setFont(size: size, bold: bold, monospaced: monospaced)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, string, &extents)
        return extents.x_advance
    }

    /// Shortens a string with an ellipsis until it fits `width`.
    func fitted(_ string: String, width: Double, size: Double, bold: Bool = false, monospaced: Bool = false) -> String {
        guard textWidth(string, size: size, bold: bold, monospaced: monospaced) > width else { return string }
        var characters = Array(string)
        while !characters.isEmpty {
            characters.removeLast()
            let candidate = String(characters) + "…"
            if textWidth(candidate, size: size, bold: bold, monospaced: monospaced) <= width { return candidate }
        }
        return ""
    }

    /// Draws an image scaled to fit `rect` (keeping its aspect ratio, centred) and returns the
    /// rectangle it occupies.
    @discardableResult
    func image(_ image: CairoSurface, fitting rect: Rect) -> Rect {
        let width = Double(image.width)
        let height = Double(image.height)
        guard width > 0, height > 0 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let scale = min(rect.width / width, rect.height / height)
        let placed = Rect(
            x: rect.x + (rect.width - width * scale) / 2, y: rect.y + (rect.height - height * scale) / 2,
            width: width * scale, height: height * scale
        )
        cairo_save(context)
        cairo_translate(context, placed.x, placed.y)
        cairo_scale(context, scale, scale)
        cairo_set_source_surface(context, image.handle, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_GOOD)
        cairo_paint(context)
        cairo_restore(context)
        return placed
    }

    private func setColor(_ color: Color) {
        cairo_set_source_rgba(context, color.red, color.green, color.blue, color.alpha)
    }

    private func setFont(size: Double, bold: Bool, monospaced: Bool = false) {
        cairo_select_font_face(
            context, monospaced ? "DejaVu Sans Mono" : "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL
        )
        cairo_set_font_size(context, size)
    }
}

/// A rectangle in points.
struct Rect: Equatable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    var maxX: Double { x + width }
    var maxY: Double { y + height }

    func inset(top: Double = 0, left: Double = 0, bottom: Double = 0, right: Double = 0) -> Rect {
        Rect(x: x + left, y: y + top, width: width - left - right, height: height - top - bottom)
    }
}

