// The measuring half of bench/media/run.sh, compiled with swiftc -O together with the Media
// module's sources. Usage: media-bench CLIP THREADS rgb24|chw  → one JSON line.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 4, let threads = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: media-bench CLIP THREADS rgb24|chw\n".utf8))
    exit(64)
}
let layout = arguments[3]
let clock = ContinuousClock()
var frames = 0
var checksum = 0
let elapsed = try clock.measure {
    let decoder = try VideoDecoder(url: URL(fileURLWithPath: arguments[1]), threads: threads)
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
