import Foundation
import Report
import Testing
import TestSupport

@Suite struct ReportRenderingTests {
    static let sectionTitles = [
        "run": "Run information", "sizes": "Dataset sizes", "stages": "Processing time per stage",
        "objects": "Objects per frame", "scores": "Active-learning scores", "videos": "Videos against the balance target",
        "embedding": "Embedding view", "gallery": "Selected crops",
    ]

    @Test func htmlHasEverySectionAndNonEmptyEmbeddedPlotsAndNoExternalReferences() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try await SyntheticReport.make(runFolder: dir.url)
        let files = try ReportRenderer().render(data, runFolder: dir.url)
        let html = try String(contentsOf: files.html, encoding: .utf8)
        for (id, title) in Self.sectionTitles {
            #expect(html.contains("<section id=\"\(id)\">\n<h2>\(title)</h2>"), "section \(id)")
        }
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"))
        // Figures: stage times, objects per frame, two score histograms, video shares, embedding.
        let svgs = try embedded(html, type: "image/svg+xml")
        #expect(svgs.count == 6)
        for svg in svgs {
            let text = String(decoding: svg, as: UTF8.self)
            #expect(text.hasPrefix("<?xml") && text.contains("<svg") && text.contains("<path") && svg.count > 5_000)
        }
        // The gallery: 8 crops and one placeholder for the missing file, sorted by score.
        let pngs = try embedded(html, type: "image/png")
        #expect(pngs.count == SyntheticReport.cropCount + 1)
        #expect(pngs.allSatisfy { $0.starts(with: [0x89, 0x50, 0x4E, 0x47]) && $0.count > 2_000 })
        let scores = data.gallery.map(\.score).sorted()
        let ranks = html.ranges(of: "crop #").count
        #expect(ranks == scores.count)
        #expect(html.contains("score \(scores[0])"))
    }

    @Test func aRunWithoutACreationTimeShowsNoneRatherThanTheEpoch() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var data = try await SyntheticReport.make(runFolder: dir.url)
        #expect(try String(contentsOf: ReportRenderer().render(data, runFolder: dir.url).html, encoding: .utf8)
            .contains("<td>Created</td>"))
        data.run.created = nil
        let html = try String(contentsOf: ReportRenderer().render(data, runFolder: dir.url).html, encoding: .utf8)
        #expect(!html.contains("Created") && !html.contains("1970"))
        #expect(html.contains("Run run-0001 · tag initial-tag</p>"))
    }

    @Test func rerenderingFromReportJSONGivesIdenticalFiles() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try await SyntheticReport.make(runFolder: dir.url)
        try ReportRenderer.writeJSON(data, runFolder: dir.url)
        let first = try ReportRenderer().render(data, runFolder: dir.url)
        let html = try Data(contentsOf: first.html), pdf = try Data(contentsOf: first.pdf)
        let loaded = try ReportRenderer.load(runFolder: dir.url)
        #expect(loaded == data)
        try ReportRenderer().render(loaded, runFolder: dir.url)
        #expect(try Data(contentsOf: first.html) == html)
        #expect(try Data(contentsOf: first.pdf) == pdf)
        let json = try String(contentsOf: dir.url.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(json.contains("\"n_selected\" : 30") && json.contains("\"statistics\""))
        try keepForInspection([dir.url.appendingPathComponent("report.json")])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func chromiumRendersEverySectionWithLoadedImagesAndNoErrors() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try await SyntheticReport.make(runFolder: dir.url)
        let files = try ReportRenderer().render(data, runFolder: dir.url)
        let chromium = try #require(
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "chromium is not installed: run scripts/setup.sh"
        )
        // A copy with a probe script in <head> that, once everything has loaded, writes what it
        // found into the DOM; the report itself has no scripts.
        let probe = """
        <script>
        window.probeErrors = [];
        window.addEventListener('error', e => window.probeErrors.push(String(e.message || (e.target && e.target.tagName) || e.type)), true);
        window.addEventListener('load', () => {
          const images = [...document.images];
          const broken = images.filter(i => !i.complete || i.naturalWidth === 0 || i.naturalHeight === 0).length;
          const sections = [...document.querySelectorAll('section')].filter(s => s.offsetHeight > 0).map(s => s.id).join(',');
          const marker = document.createElement('div');
          marker.id = 'render-check';
          marker.textContent = 'images=' + images.length + ';broken=' + broken + ';errors=' + window.probeErrors.length + ';sections=' + sections;
          document.body.appendChild(marker);
        });
        </script>
        """
        let html = try String(contentsOf: files.html, encoding: .utf8)
        let checked = dir.url.appendingPathComponent("checked.html")
        try html.replacingOccurrences(of: "<head>", with: "<head>\n" + probe).write(to: checked, atomically: true, encoding: .utf8)
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--user-data-dir=\(dir.url.appendingPathComponent("chromium-profile").path)",
            "--virtual-time-budget=10000", "--enable-logging=stderr", "--v=0",
        ]
        let rendered = try await ChildProcess.checked(chromium, common + ["--dump-dom", checked.absoluteString])
        let (dom, log) = (rendered.stdout, rendered.stderrText)
        let text = String(decoding: dom, as: UTF8.self)
        let marker = try #require(text.firstMatch(of: #/<div id="render-check">([^<]*)</div>/#)?.output.1)
        #expect(marker == "images=\(6 + SyntheticReport.cropCount + 1);broken=0;errors=0;sections=run,sizes,stages,objects,scores,videos,embedding,gallery")
        #expect(!log.contains("Uncaught"))

        let screenshot = dir.url.appendingPathComponent("screenshot.png")
        try await ChildProcess.checked(chromium, common + ["--window-size=1200,2400", "--screenshot=\(screenshot.path)", files.html.absoluteString])
        let grey = try await FFmpegCLI.run(["-i", screenshot.path, "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        #expect(grey.count == 1200 * 2400)
        #expect(variance(grey) > 200)
        try keepForInspection([files.html, files.pdf, screenshot])
    }

    @Test func pdfPagesConvertToNonBlankImages() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try await SyntheticReport.make(runFolder: dir.url)
        let files = try ReportRenderer().render(data, runFolder: dir.url)
        let prefix = dir.url.appendingPathComponent("page").path
        try await ChildProcess.checked("/usr/bin/pdftoppm", ["-r", "40", "-gray", files.pdf.path, prefix])
        let pages = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix("page") && $0.hasSuffix(".pgm") }.sorted()
        #expect(pages.count >= 5)
        for page in pages {
            let pixels = try PortableGreyMap(Data(contentsOf: dir.url.appendingPathComponent(page)))
            #expect(pixels.width > pixels.height, "\(page) is landscape")
            #expect(variance(pixels.pixels) > 50, "\(page) is not blank")
        }
        try await ChildProcess.checked("/usr/bin/pdftoppm", ["-r", "80", "-png", files.pdf.path, prefix])
        try keepForInspection(try FileManager.default.contentsOfDirectory(at: dir.url, includingPropertiesForKeys: nil).filter { $0.pathExtension == "png" })
        let info = try await ChildProcess.checked("/usr/bin/pdfinfo", [files.pdf.path]).stdoutText
        #expect(info.contains(#/Title: +Selection report run-0001\n/#))
    }

    /// Copies outputs to `ORCHESTRATE_REPORT_KEEP` (a folder), when set, for a person to look at.
    private func keepForInspection(_ files: [URL]) throws {
        guard let folder = ProcessInfo.processInfo.environment["ORCHESTRATE_REPORT_KEEP"] else { return }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for file in files {
            let target = URL(fileURLWithPath: folder).appendingPathComponent(file.lastPathComponent)
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            try FileManager.default.copyItem(at: file, to: target)
        }
    }

    private func embedded(_ html: String, type: String) throws -> [Data] {
        let prefix = "src=\"data:\(type);base64,"
        return try html.ranges(of: prefix).map { range in
            let rest = html[range.upperBound...]
            let end = try #require(rest.firstIndex(of: "\""))
            return try #require(Data(base64Encoded: String(rest[..<end])))
        }
    }
}

/// Variance of 8-bit grey pixels: near 0 for a blank page.
func variance(_ pixels: Data) -> Double {
    guard !pixels.isEmpty else { return 0 }
    let count = Double(pixels.count)
    let mean = pixels.reduce(0.0) { $0 + Double($1) } / count
    return pixels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
}

/// A binary PGM (P5, 8-bit) as written by pdftoppm -gray.
struct PortableGreyMap {
    var width: Int
    var height: Int
    var pixels: Data

    init(_ data: Data) throws {
        var fields: [String] = []
        var index = data.startIndex
        var current = ""
        while fields.count < 4, index < data.endIndex {
            let byte = data[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                if !current.isEmpty { fields.append(current); current = "" }
            } else {
                current.append(Character(UnicodeScalar(byte)))
            }
            index += 1
        }
        guard fields.count == 4, fields[0] == "P5", let width = Int(fields[1]), let height = Int(fields[2]) else {
            throw ToolFailure(description: "not a binary PGM: \(fields)")
        }
        self.width = width
        self.height = height
        pixels = data[index...]
        guard pixels.count == width * height else { throw ToolFailure(description: "PGM holds \(pixels.count) bytes, expected \(width * height)") }
    }
}
