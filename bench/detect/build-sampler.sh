#!/usr/bin/env bash
# Builds .build/bench-detect/sampling-count (bench/detect/main.swift): Media's sources, the decode
# stage's FrameSampler and main.swift as one small binary (the sampler lives in the Stages module;
# its `import Media` is dropped since everything is one module here). Rebuilds only when a source
# is newer than the binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.build/bench-detect
binary=$out/sampling-count
sources=(Sources/Media/*.swift Sources/Media/FFmpeg/*.swift Sources/Stages/Decode/FrameSampler.swift bench/detect/main.swift)
if [[ -x $binary ]] && [[ -z $(find "${sources[@]}" -newer "$binary") ]]; then exit 0; fi
mkdir -p "$out"
grep -v '^import Media$' Sources/Stages/Decode/FrameSampler.swift > "$out/FrameSampler.swift"
cp bench/detect/main.swift "$out/main.swift"
swiftc -O -wmo -module-name DetectSamplingBench -I Sources/CFFmpeg \
  Sources/Media/*.swift Sources/Media/FFmpeg/*.swift "$out/FrameSampler.swift" "$out/main.swift" -o "$binary"
