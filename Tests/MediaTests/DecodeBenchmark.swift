import Foundation
import Media
import Testing

/// Not a timed test: the measuring half of `bench/media/run.sh`, which builds it in release
/// mode, times the peers in the same run and writes the table. Runs only with
/// `ORCHESTRATE_BENCH=1`; prints one JSON line.
@Suite struct DecodeBenchmark {
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment["ORCHESTRATE_BENCH"] == "1"))
    func decodeToRGBThroughput() throws {
        let clip = try #require(Self.environment["ORCHESTRATE_BENCH_CLIP"], "set ORCHESTRATE_BENCH_CLIP")
        let threads = Int(Self.environment["ORCHESTRATE_BENCH_THREADS"] ?? "") ?? 0
        let layout = Self.environment["ORCHESTRATE_BENCH_LAYOUT"] ?? "rgb24"
        let clock = ContinuousClock()
        var frames = 0
        var checksum = 0
        let elapsed = try clock.measure {
            let decoder = try VideoDecoder(url: URL(fileURLWithPath: clip), threads: threads)
            while let frame = try decoder.next() {
                if layout == "chw" {
                    checksum &+= try frame.withFloatCHW { Int($0[$0.count / 2] * 255) }
                } else {
                    checksum &+= try frame.withRGB24 { Int($0[$0.count / 2]) }
                }
                frames += 1
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(#"{"layout":"\#(layout)","threads":\#(threads),"frames":\#(frames),"seconds":\#(seconds),"#
            + #""fps":\#(Double(frames) / seconds),"peak_rss_kib":\#(usage.ru_maxrss),"checksum":\#(checksum)}"#)
        #expect(frames > 0)
    }
}
