import Foundation
import Report
import Testing
import TestSupport

@Suite struct ReportRenderingTests {
    static let sectionTitles = [
        "run": "Run information", "sizes": "Dataset sizes", "stages": "Processing time per stage",
        "objects": "Objects per frame", "scores": "Active-learning scores", "videos": "Videos against the balance target",
        "embedding": "Embedding view", "frames": "Selected frames", "gallery": "Selected crops",
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
        // The frames grid and the gallery: 4 frames (one missing) and 8 crops and one placeholder for the missing file, sorted by score.
        let pngs = try embedded(html, type: "image/png")
        #expect(pngs.count == SyntheticReport.pictureCount + SyntheticReport.cropCount + 1)
        #expect(pngs.allSatisfy { $0.starts(with: [0x89, 0x50, 0x4E, 0x47]) && $0.count > 2_000 })
        let scores = data.gallery.map(\.score).sorted()
        let ranks = html.ranges(of: "crop #").count
        #expect(ranks == scores.count)
        #expect(html.contains("score \(scores[0])"))
    }

    @Test func theFramesGridShowsEverySelectedFrameWholeInPickOrderWithOrWithoutDetections() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try await SyntheticReport.make(runFolder: dir.url)
        let html = try String(contentsOf: ReportRenderer().render(data, runFolder: dir.url).html, encoding: .utf8)
        let frames = try #require(html.firstMatch(of: #/<section id="frames">(?s:.*?)</section>/#)).output
        let alts = frames.matches(of: #/<img class="frame" width="\d+" alt="([^"]*)" src="data:image\/png;base64,([^"]+)"/#)
        #expect(alts.map { String($0.output.1) } == [
            "frame #1 \(data.selectedFrames[0].frame): 2 objects", "frame #2 \(data.selectedFrames[1].frame): no detections",
            "frame #3 \(data.selectedFrames[2].frame): 1 object", "frame #4 \(data.selectedFrames[3].frame): no detections",
        ])
        #expect(frames.contains("All 4 selected frames in pick order"))
        // The thumbnails differ: each is its own frame (testsrc changes from frame to frame), the
        // first with skeletons drawn over it; the missing file gives a placeholder, not an error.
        let pngs = try alts.map { try #require(Data(base64Encoded: String($0.output.2))) }
        #expect(Set(pngs).count == 4)

        let limited = try String(contentsOf: ReportRenderer(frameLimit: 2).render(data, runFolder: dir.url).html, encoding: .utf8)
        #expect(limited.ranges(of: "<img class=\"frame\"").count == 2 && limited.contains("The first 2 of 4 selected frames"))
    }

    @Test func theStepsTableSaysWhatItsCountsAreAndShowsTheTimes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try await SyntheticReport.make(runFolder: dir.url)
        let html = try String(contentsOf: ReportRenderer().render(data, runFolder: dir.url).html, encoding: .utf8)
        #expect(html.contains("<tr><th>Step</th><th>in</th><th>kept</th><th>removed</th><th>time</th><th>what the counts are</th></tr>"))
        // Files in, frames kept: nothing is "removed" between different units.
        #expect(html.contains("<tr><td>load datasource</td><td>97 files</td><td>90 frames</td><td>–</td><td>1.20 s</td><td class=\"text\">3 videos and 94 Lightly files read; 90 frames with predictions are candidates</td></tr>"))
        #expect(html.contains("<tr><td>selection</td><td>89 frames</td><td>30 frames</td><td>59</td><td>9.80 s</td>"))
        #expect(html.contains("<td>Total processing time</td><td>12.50 s</td>"))
        #expect(html.contains("alt=\"Processing time per stage, in seconds\""))

        var untimed = data
        untimed.stages = untimed.stages.map { var step = $0; step.seconds = nil; return step }
        let without = try String(contentsOf: ReportRenderer().render(untimed, runFolder: dir.url).html, encoding: .utf8)
        #expect(!without.contains("<th>time</th>") && !without.contains("Processing time per stage, in seconds"))
    }

    @Test func theRoundsSectionShowsEachRoundsLabelsAndModelAndWarnsWhenAModelGotWorse() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var data = try await SyntheticReport.make(runFolder: dir.url)
        let first = try String(contentsOf: ReportRenderer().render(data, runFolder: dir.url).html, encoding: .utf8)
        #expect(!first.contains("<section id=\"rounds\">"), "a first round has no rounds section")

        data.rounds = [
            RoundRecord(round: 0, labelled: 0, labelledSoFar: 0, model: AuditScores(keypointAP: 0.2, boxAP: 0.5)),
            RoundRecord(round: 1, labelled: 100, labelledSoFar: 100, model: AuditScores(keypointAP: 0.455, boxAP: 0.61)),
            RoundRecord(round: 2, labelled: 80, labelledSoFar: 180, model: AuditScores(keypointAP: 0.412, boxAP: 0.63)),
            RoundRecord(round: 3, labelled: 50, labelledSoFar: 230),
        ]
        let files = try ReportRenderer().render(data, runFolder: dir.url)
        let html = try String(contentsOf: files.html, encoding: .utf8)
        #expect(html.contains("<section id=\"rounds\">\n<h2>Rounds: labels and models</h2>"))
        #expect(html.contains("<tr><td>start</td><td>0</td><td>0</td><td>0.200</td><td>0.500</td></tr>"), "\(html)")
        #expect(html.contains("<tr><td>2</td><td>80</td><td>180</td><td>0.412</td><td>0.630</td></tr>"))
        #expect(html.contains("<tr><td>3</td><td>50</td><td>230</td><td>–</td><td>–</td></tr>"))
        let warnings = html.components(separatedBy: "<p class=\"warning\">").dropFirst()
        #expect(warnings.count == 1, "round 1 improved on the start, round 2 got worse, round 3 has no score")
        #expect(warnings.first?.hasPrefix("Warning: round 2&#39;s model scores worse on the audit set than round 1&#39;s: keypoint AP 0.412 &lt; 0.455.") == true,
                "\(warnings.first ?? "")")
        // report.json keeps the rounds.
        let decoded = try JSONDecoder().decode(ReportData.self, from: Data(contentsOf: ReportRenderer.writeJSON(data, runFolder: dir.url)))
        #expect(decoded.rounds == data.rounds)
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
        #expect(marker == "images=\(6 + SyntheticReport.pictureCount + SyntheticReport.cropCount + 1);broken=0;errors=0;sections=run,sizes,stages,objects,scores,videos,embedding,frames,gallery")
        #expect(!log.contains("Uncaught"))

        let screenshot = dir.url.appendingPathComponent("screenshot.png")
        try await ChildProcess.checked(chromium, common + ["--window-size=1200,2400", "--screenshot=\(screenshot.path)", files.html.absoluteString])
        let grey = try await FFmpegCLI.run(["-i", screenshot.path, "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        #expect(grey.count == 1200 * 2400)
        #expect(variance(grey) > 200)
        try keepForInspection([files.html, files.pdf, screenshot])
    }

    @Test func pdfPagesAreFewAndNoneIsNearlyEmpty() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try await SyntheticReport.make(runFolder: dir.url)
        let files = try ReportRenderer().render(data, runFolder: dir.url)
        let prefix = dir.url.appendingPathComponent("page").path
        try await ChildProcess.checked("/usr/bin/pdftoppm", ["-r", "40", "-gray", files.pdf.path, prefix])
        let pages = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix("page") && $0.hasSuffix(".pgm") }.sorted()
        // Nine sections with six plots, four frames and nine crops.
        #expect((3...6).contains(pages.count), "\(pages.count) pages")
        for (number, page) in pages.enumerated() {
            let pixels = try PortableGreyMap(Data(contentsOf: dir.url.appendingPathComponent(page)))
            #expect(pixels.width > pixels.height, "\(page) is landscape")
            #expect(variance(pixels.pixels) > 50, "\(page) is not blank")
            // Every page but the last is filled down to near its foot; none is near-empty.
            let ink = pixels.inkedRows()
            let last = number == pages.count - 1
            #expect(ink.share > (last ? 0.1 : 0.35), "\(page): only \(Int(100 * ink.share)) % of its rows hold anything")
            #expect(last || ink.reach > 0.7, "\(page): nothing below \(Int(100 * ink.reach)) % of its height")
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

extension PortableGreyMap {
    /// Of the page's rows between the top margin and the footer: the share with a dark pixel, and
    /// how far down (0…1) the last of them is. A page left mostly empty is low in both.
    func inkedRows(margin: Double = 36.0 / 595, footer: Double = 50.0 / 595) -> (share: Double, reach: Double) {
        let first = Int(Double(height) * margin), end = Int(Double(height) * (1 - footer))
        guard end > first else { return (0, 0) }
        let inked = (first..<end).filter { row in
            pixels[(pixels.startIndex + row * width)..<(pixels.startIndex + (row + 1) * width)].contains { $0 < 200 }
        }
        let span = Double(end - first)
        return (Double(inked.count) / span, Double((inked.last ?? first) - first + 1) / span)
    }
}
