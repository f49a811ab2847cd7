#!/usr/bin/env bash
# Selection quality against ground truth: generates the example's five clips with their ground
# truth (examples/generate_clips.py), then scores random, uniform, DeepLabCut-, SLEAP- and
# FiftyOne-style pickers and this project's selection configs at budgets of 1, 2 and 5 % of the
# frames (bench/selection-quality/quality.py). Writes bench/selection-quality/results.md.
#   QUALITY_CLIPS: a folder of clips with their <clip>.json to use instead of generating them
#   QUALITY_SEED (0), QUALITY_FRAMES_SCALE (1): passed to generate_clips.py
set -euo pipefail
cd "$(dirname "$0")/../.."
clips=${QUALITY_CLIPS:-}
if [[ -z "$clips" ]]; then
    clips=$(mktemp -d)
    trap 'rm -rf "$clips"' EXIT
    /usr/bin/python3 examples/generate_clips.py --out "$clips" --seed "${QUALITY_SEED:-0}" \
        --frames-scale "${QUALITY_FRAMES_SCALE:-1}" >&2
fi
swift build -c release --product SelectionBench >&2
bench=$(swift build -c release --show-bin-path)/SelectionBench
bench/detect/build-sampler.sh >&2
started=$(date +%s)
/usr/bin/python3 bench/selection-quality/quality.py "$clips" "$bench" .build/bench-detect/sampling-count \
    > bench/selection-quality/results.md
echo "scored in $(( $(date +%s) - started )) s; bench/selection-quality/results.md" >&2
