import Foundation

/// Writes a selection run's `report.json`, `report.html` and `report.pdf`.
///
/// The HTML is self-contained (plots as SVG and crops as PNG in `data:` URLs, inline CSS, no
/// scripts), so it opens from disk with no network. Identical data give identical HTML bytes;
/// the PDF's creation date is the run's `created`, so it is reproducible too.
///
/// ```swift
/// let files = try ReportRenderer().render(data, runFolder: run)   // report.html, report.pdf
/// let again = try ReportRenderer().render(try ReportRenderer.load(runFolder: run), runFolder: run)
/// ```
public struct ReportRenderer: Sendable {
    /// The most crops the gallery shows (the lowest scores first).
    public var galleryLimit: Int
    /// The most selected frames the frames grid shows (in pick order).
    public var frameLimit: Int

    public init(galleryLimit: Int = 60, frameLimit: Int = 100) {
        self.galleryLimit = galleryLimit
        self.frameLimit = frameLimit
    }

    public static let jsonName = "report.json"
    public static let htmlName = "report.html"
    public static let pdfName = "report.pdf"

    /// The files a render wrote.
    public struct Files: Sendable, Equatable {
        public var html: URL
        public var pdf: URL
    }

    /// Renders `report.html` and `report.pdf` into `runFolder`, reading the selected frames' and
    /// the gallery's pictures from it.
    ///
    /// A frame or crop that cannot be read is drawn as a "missing" placeholder naming its path.
    /// Both files are written atomically (temporary file, then rename).
    /// - Throws: ``ReportError`` when drawing or writing fails.
    @discardableResult
    public func render(_ data: ReportData, runFolder: URL) throws -> Files {
        let figures = ReportFigures(data)
        let frames = try data.selectedFrames.sorted { $0.pick < $1.pick }.prefix(max(frameLimit, 0)).map { picture in
            try FrameThumbnail(FrameTile(picture: picture, image: Self.loadImage(picture.path, runFolder: runFolder)))
        }
        let tiles = galleryTiles(data, runFolder: runFolder)
        let html = runFolder.appendingPathComponent(Self.htmlName)
        let pdf = runFolder.appendingPathComponent(Self.pdfName)
        try write(try HTMLReport(data: data, figures: figures, frames: frames, crops: tiles).render(), to: html)
        let temporary = runFolder.appendingPathComponent(".\(Self.pdfName).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try PDFReport(data: data, figures: figures, frames: frames, crops: tiles).write(to: temporary)
            try Self.replace(pdf, with: temporary)
        } catch {
            // The temporary file is incomplete; leaving it would only confuse a reader of the folder.
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        return Files(html: html, pdf: pdf)
    }

    /// Writes `report.json` (sorted keys, so identical data give identical bytes) atomically.
    /// - Throws: ``ReportError`` when the data hold NaN or infinity, or the write fails.
    @discardableResult
    public static func writeJSON(_ data: ReportData, runFolder: URL) throws -> URL {
        let url = runFolder.appendingPathComponent(jsonName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes: Data
        do {
            bytes = try encoder.encode(data)
        } catch {
            throw ReportError(.invalidData, "\(url.path): cannot encode the report: \(error)")
        }
        try ReportRenderer().write(bytes, to: url)
        return url
    }

    /// Reads a run folder's `report.json`.
    /// - Throws: ``ReportError`` (`unreadable`) naming the file and what is wrong with it.
    public static func load(runFolder: URL) throws -> ReportData {
        let url = runFolder.appendingPathComponent(jsonName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ReportError(.unreadable, "\(url.path): no such file (is '\(runFolder.path)' a selection run folder?)")
        }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url)
        } catch {
            throw ReportError(.unreadable, "\(url.path): cannot read: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(ReportData.self, from: bytes)
        } catch let error as DecodingError {
            throw ReportError(.unreadable, "\(url.path): \(Self.describe(error))")
        } catch {
            throw ReportError(.unreadable, "\(url.path): \(error)")
        }
    }

    private func galleryTiles(_ data: ReportData, runFolder: URL) -> [CropTile] {
        let sorted = data.gallery.sorted { ($0.score, $0.path) < ($1.score, $1.path) }
        return sorted.prefix(max(galleryLimit, 0)).enumerated().map { index, crop in
            CropTile(crop: crop, image: Self.loadImage(crop.path, runFolder: runFolder), rank: index + 1)
        }
    }

    private static func loadImage(_ path: String, runFolder: URL) -> CairoSurface? {
        // Frames and crops live inside the run folder; other paths are shown as missing rather than read.
        guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else { return nil }
        // A missing or corrupt picture becomes a placeholder tile: the rest of the report still matters.
        return try? CairoSurface.png(at: runFolder.appendingPathComponent(path))
    }

    private func write(_ bytes: Data, to url: URL) throws {
        do {
            try bytes.write(to: url, options: .atomic)
        } catch {
            throw ReportError(.writeFailed, "\(url.path): cannot write: \(error.localizedDescription)")
        }
    }

    private static func replace(_ destination: URL, with source: URL) throws {
        guard rename(source.path, destination.path) == 0 else {
            throw ReportError(.writeFailed, "\(destination.path): cannot rename the finished PDF into place: \(String(cString: strerror(errno)))")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        let path = { (context: DecodingError.Context) in
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' at \(path(context).isEmpty ? "the top level" : path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            let at = path(context)
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return (at.isEmpty ? "" : "at \(at): ") + (underlying.map { "\(context.debugDescription) (\($0))" } ?? context.debugDescription)
        @unknown default:
            return "\(error)"
        }
    }
}
