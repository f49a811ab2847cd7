#!/usr/bin/env bash
# Selection quality against ground truth: generates the example's five clips with their ground
# truth (examples/generate_clips.py, clips in parallel, kept under .build/selection-quality/ for the
# next run), then scores random, uniform, DeepLabCut-, SLEAP- and FiftyOne-style pickers and this
# project's selection configs at budgets of 1, 2 and 5 % of the frames, and prices decode's
# sampling settings (bench/selection-quality/quality.py). Writes bench/selection-quality/results.md
# and the charts docs/quality-coverage.svg and docs/quality-sampling.svg.
#   QUALITY_CLIPS: a folder of clips with their <clip>.json to use instead of generating them
#   QUALITY_SEED (0), QUALITY_FRAMES_SCALE (1): passed to generate_clips.py
set -euo pipefail
cd "$(dirname "$0")/../.."
seed=${QUALITY_SEED:-0}
scale=${QUALITY_FRAMES_SCALE:-1}
clips=${QUALITY_CLIPS:-.build/selection-quality/clips-seed$seed-scale$scale}
/usr/bin/python3 -c 'import sys; sys.path.insert(0, "examples"); import generate_clips as g; print("\n".join(c.name for c in g.CLIPS))' |
    xargs -P 3 -I{} /usr/bin/python3 examples/generate_clips.py --out "$clips" --seed "$seed" \
        --frames-scale "$scale" --only {} >&2
swift build -c release --product SelectionBench >&2
bench=$(swift build -c release --show-bin-path)/SelectionBench
bench/detect/build-sampler.sh >&2
started=$(date +%s)
# One BLAS thread: on a shared two-core machine more threads only contend.
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} /usr/bin/python3 bench/selection-quality/quality.py \
    "$clips" "$bench" .build/bench-detect/sampling-count docs > bench/selection-quality/results.md
echo "scored in $(( $(date +%s) - started )) s; bench/selection-quality/results.md" >&2
