#!/usr/bin/env bash
# Inference benchmark: Swift DetectionModel (libtorch) against the tutorial's Python loop on the same
# frames of a 960x540 clip, full-size Keypoint R-CNN with random weights. Results: JSON lines on
# stdout (and in $WORK/results.jsonl); docs/benchmarks.md "## Inference" records them.
#
#   bench/torch/run.sh            # FRAMES=20 THREADS=2; set REFERENCE_BLAS=DIR to add a run
#                                 # with reference BLAS (DIR holds libblas.so.3, e.g. from libblas3)
set -euo pipefail
cd "$(dirname "$0")/../.."
FRAMES=${FRAMES:-20}
THREADS=${THREADS:-2}
MIN_SIZE=${MIN_SIZE:-800}
WORK=${WORK:-.build/bench-torch}
mkdir -p "$WORK"

clip="$WORK/clip-960x540.mp4"
[ -f "$clip" ] || ffmpeg -loglevel error -f lavfi -i "testsrc2=size=960x540:rate=25" -frames:v "$FRAMES" \
  -c:v libx264 -pix_fmt yuv420p "$clip"
raw="$WORK/clip-960x540.rgb24"
ffmpeg -loglevel error -y -i "$clip" -frames:v "$FRAMES" -f rawvideo -pix_fmt rgb24 "$raw"
model="$WORK/keypointrcnn-random-$MIN_SIZE.pt"
[ -f "$model" ] || /usr/bin/python3 examples/export_keypoint_rcnn.py --random-init --min-size "$MIN_SIZE" \
  --output "$model"

swift build --product CTorchShim
swift build --product TorchBench
bench=$(swift build --show-bin-path)/TorchBench
results="$WORK/results.jsonl"
: > "$results"
run() { "$@" | tee -a "$results"; }

run /usr/bin/python3 bench/torch/tutorial_loop.py "$clip" --frames "$FRAMES" --threads "$THREADS" --min-size "$MIN_SIZE"
run /usr/bin/python3 bench/torch/tutorial_loop.py "$clip" --frames "$FRAMES" --threads "$THREADS" --min-size "$MIN_SIZE" --no-grad
run "$bench" "$model" "$raw" 960 540 "$FRAMES" "$THREADS" 1
run "$bench" "$model" "$raw" 960 540 "$FRAMES" "$THREADS" 2
if [ -n "${REFERENCE_BLAS:-}" ]; then
  LD_LIBRARY_PATH="$REFERENCE_BLAS" run "$bench" "$model" "$raw" 960 540 "$FRAMES" "$THREADS" 1
fi
