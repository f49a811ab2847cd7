#!/usr/bin/env bash
# Detector calls that decode's sampling saves: kept frames (= `detect` forward passes per frame)
# under every=1, every=3 and dedup_threshold 0.1/0.25/0.5/1/2, on examples/generate_clips.py's clips
# (they have static stretches). No model runs: the count is the manifest's `frames` length.
# Usage: bench/detect/sampling.sh [frames-scale]   (default 0.3) → a markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
scale=${1:-0.3}
work=${BENCH_WORK:-/tmp/orchestrate-bench-detect}
mkdir -p "$work/clips"
/usr/bin/python3 examples/generate_clips.py --frames-scale "$scale" --out "$work/clips" >/dev/null

bench/detect/build-sampler.sh

for clip in "$work"/clips/*.mp4; do .build/bench-detect/sampling-count "$clip"; done | /usr/bin/python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin]
options = list(dict.fromkeys(r["option"] for r in rows))
files = list(dict.fromkeys(r["file"] for r in rows))
kept = {(r["file"], r["option"]): r["kept"] for r in rows}
frames = {r["file"]: r["frames"] for r in rows}
print("| clip | frames | " + " | ".join(options) + " |")
print("|---|---:|" + "---:|" * len(options))
for f in files:
    print(f"| {f} | {frames[f]} | " + " | ".join(str(kept[(f, o)]) for o in options) + " |")
total = sum(frames.values())
sums = [sum(kept[(f, o)] for f in files) for o in options]
print(f"| **all** | {total} | " + " | ".join(f"{s} ({100 * (1 - s / total):.0f}% saved)" for s in sums) + " |")
'
