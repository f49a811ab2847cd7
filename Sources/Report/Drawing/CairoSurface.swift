import Foundation
internal import CCairo

/// Owns one cairo surface (an image, an SVG or PDF document); finished and destroyed in `deinit`.
final class CairoSurface {
    let handle: OpaquePointer

    private init(checking handle: OpaquePointer?, _ what: String) throws {
        guard let handle else { throw ReportError(.writeFailed, "cairo could not create \(what)") }
        let status = cairo_surface_status(handle)
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(handle)
            throw ReportError(.writeFailed, "cairo could not create \(what): \(String(cString: cairo_status_to_string(status)))")
        }
        self.handle = handle
    }

    deinit { cairo_surface_destroy(handle) }

    /// Pixel size of an image surface (0 for documents).
    var width: Int { Int(cairo_image_surface_get_width(handle)) }
    var height: Int { Int(cairo_image_surface_get_height(handle)) }

    /// A white-backed ARGB image of `width`×`height` pixels.
    static func image(width: Int, height: Int) throws -> CairoSurface {
        try CairoSurface(checking: cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)), "a \(width)x\(height) image")
    }

    /// Reads a PNG file.
    static func png(at url: URL) throws -> CairoSurface {
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw ReportError(.unreadable, "\(url.path): no such file")
        }
        return try CairoSurface(checking: cairo_image_surface_create_from_png(url.path), "an image from '\(url.path)' (not a PNG?)")
    }

    /// A PDF document written to `url` as pages are shown.
    static func pdf(at url: URL, width: Double, height: Double) throws -> CairoSurface {
        try CairoSurface(checking: cairo_pdf_surface_create(url.path, width, height), "the PDF '\(url.path)'")
    }

    /// Sets the PDF's title and its creation and modification dates (ISO 8601), so that
    /// identical data give identical bytes instead of the current time.
    func setPDFMetadata(title: String, date: String) {
        cairo_pdf_surface_set_metadata(handle, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(handle, CAIRO_PDF_METADATA_CREATOR, "orchestrate")
        cairo_pdf_surface_set_metadata(handle, CAIRO_PDF_METADATA_CREATE_DATE, date)
        cairo_pdf_surface_set_metadata(handle, CAIRO_PDF_METADATA_MOD_DATE, date)
    }

    func showPage(_ canvas: Canvas) throws {
        try check(canvas)
        cairo_surface_show_page(handle)
    }

    /// Flushes and closes the document; reports the first error met.
    func finish() throws {
        cairo_surface_finish(handle)
        let status = cairo_surface_status(handle)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw ReportError(.writeFailed, "cairo failed to write: \(String(cString: cairo_status_to_string(status)))")
        }
    }

    func check(_ canvas: Canvas) throws {
        if let error = canvas.error { throw ReportError(.writeFailed, "cairo failed to draw: \(error)") }
    }

    /// The image surface's pixels as PNG bytes.
    func pngData() throws -> Data {
        let sink = ByteSink()
        let status = cairo_surface_write_to_png_stream(handle, ByteSink.write, Unmanaged.passUnretained(sink).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else {
            throw ReportError(.writeFailed, "cairo could not encode a PNG: \(String(cString: cairo_status_to_string(status)))")
        }
        return sink.data
    }

    /// Draws into a fresh SVG document of `width`×`height` points and returns its bytes.
    static func svg(width: Double, height: Double, _ draw: (Canvas) throws -> Void) throws -> Data {
        let sink = ByteSink()
        // The sink outlives the surface: the surface is finished before this function returns.
        let surface = try CairoSurface(
            checking: cairo_svg_surface_create_for_stream(ByteSink.write, Unmanaged.passUnretained(sink).toOpaque(), width, height),
            "an SVG document"
        )
        do {
            let canvas = Canvas(surface: surface)
            try draw(canvas)
            try surface.check(canvas)
        }
        try surface.finish()
        // cairo names the document's group after the surface's process-wide serial number
        // (`<g id="surface177">`), which would make identical plots differ from run to run;
        // nothing refers to that id, so it is renumbered.
        let svg = String(decoding: sink.data, as: UTF8.self)
        return Data(svg.replacing(#/id="surface[0-9]+"/#, with: #"id="surface1""#).utf8)
    }

    /// Draws into a white image of `width`×`height` points at `scale` pixels per point; returns PNG bytes.
    static func png(width: Double, height: Double, scale: Double, _ draw: (Canvas) throws -> Void) throws -> Data {
        try drawn(width: width, height: height, scale: scale, draw).pngData()
    }

    /// Draws into a white image of `width`×`height` points at `scale` pixels per point.
    static func drawn(width: Double, height: Double, scale: Double, _ draw: (Canvas) throws -> Void) throws -> CairoSurface {
        let surface = try image(width: Int((width * scale).rounded(.up)), height: Int((height * scale).rounded(.up)))
        let canvas = Canvas(surface: surface)
        canvas.fill(Rect(x: 0, y: 0, width: width * scale, height: height * scale), .white)
        canvas.scale(scale)
        try draw(canvas)
        try surface.check(canvas)
        cairo_surface_flush(surface.handle)
        return surface
    }
}

/// Collects the bytes cairo writes to a stream.
private final class ByteSink {
    var data = Data()

    static let write: cairo_write_func_t = { closure, bytes, length in
        guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
        sink.data.append(bytes, count: Int(length))
        return CAIRO_STATUS_SUCCESS
    }
}
