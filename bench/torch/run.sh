#!/usr/bin/env bash
# Inference benchmark: Swift DetectionModelPool (libtorch) against the tutorial's Python loop on the same
# frames of a 960x540 clip, full-size Keypoint R-CNN with random weights. Results: JSON lines on
# stdout (and in $WORK/results.jsonl); docs/benchmarks.md "## Inference" records them.
#
#   bench/torch/run.sh               # headline: FRAMES=100 THREADS=2 BATCH=2 REPLICAS=2
#   SWEEP=1 FRAMES=20 bench/torch/run.sh
#                                    # batch sizes 1/2/4 and replicas 1/2 at THREADS threads in all,
#                                    # one thread, no_grad, and with REFERENCE_BLAS=DIR (holds
#                                    # libblas.so.3) reference BLAS
set -euo pipefail
cd "$(dirname "$0")/../.."
FRAMES=${FRAMES:-100}
BATCH=${BATCH:-2}
THREADS=${THREADS:-2}
REPLICAS=${REPLICAS:-2}
MIN_SIZE=${MIN_SIZE:-800}
WORK=${WORK:-.build/bench-torch}
mkdir -p "$WORK"

clip="$WORK/clip-960x540-$FRAMES.mp4"
[ -f "$clip" ] || ffmpeg -loglevel error -f lavfi -i "testsrc2=size=960x540:rate=25" -frames:v "$FRAMES" \
  -c:v libx264 -pix_fmt yuv420p "$clip"
raw="$WORK/clip-960x540-$FRAMES.rgb24"
ffmpeg -loglevel error -y -i "$clip" -frames:v "$FRAMES" -f rawvideo -pix_fmt rgb24 "$raw"
model="$WORK/keypointrcnn-random-$MIN_SIZE.pt"
[ -f "$model" ] || /usr/bin/python3 examples/export_keypoint_rcnn.py --random-init --min-size "$MIN_SIZE" \
  --output "$model"

swift build -c release --product CTorchShim
swift build -c release --product TorchBench
bench=$(swift build -c release --show-bin-path)/TorchBench
results="$WORK/results.jsonl"
: > "$results"
run() { "$@" | tee -a "$results"; }

if [ -z "${SWEEP:-}" ]; then
  # The acceptance pair: the tutorial's loop exactly as written (torch's default thread count), the
  # same loop given THREADS threads, and the Swift pool with THREADS threads in all.
  run /usr/bin/python3 bench/torch/tutorial_loop.py "$clip" --frames "$FRAMES" --min-size "$MIN_SIZE"
  run /usr/bin/python3 bench/torch/tutorial_loop.py "$clip" --frames "$FRAMES" --threads "$THREADS" --min-size "$MIN_SIZE"
  run "$bench" "$model" "$raw" 960 540 "$FRAMES" "$THREADS" "$BATCH" "$REPLICAS"
else
  run /usr/bin/python3 bench/torch/tutorial_loop.py "$clip" --frames "$FRAMES" --threads "$THREADS" --min-size "$MIN_SIZE" --no-grad
  for replicas in 1 2; do
    for batch in 1 2 4; do run "$bench" "$model" "$raw" 960 540 "$FRAMES" "$THREADS" "$batch" "$replicas"; done
  done
  run /usr/bin/python3 bench/torch/tutorial_loop.py "$clip" --frames "$FRAMES" --threads 1 --min-size "$MIN_SIZE"
  run "$bench" "$model" "$raw" 960 540 "$FRAMES" 1 1
  if [ -n "${REFERENCE_BLAS:-}" ]; then
    LD_LIBRARY_PATH="$REFERENCE_BLAS" run "$bench" "$model" "$raw" 960 540 "$FRAMES" "$THREADS" 1
  fi
fi
