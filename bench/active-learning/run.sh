#!/usr/bin/env bash
# The active-learning curve (issue 25): generated pool clips to select from and held-out clips
# (another seed) to score on; each round every picker (this project's tutorial config run by the
# release binary on the current model's predictions, random with several seeds, uniform in time,
# DeepLabCut k-means) labels BUDGET of the pool with the oracle, the stand-in is fine-tuned on its
# labels so far (plugins/train/train.py, same steps and seed) and scored (keypoint and box AP) on
# the held-out clips (bench/active-learning/curve.py). Prints the table; writes it, results.json
# and active-learning.svg under .build/active-learning/<mode>/.
# Usage: run.sh [--quick] [curve.py options: --ablation without-uncertainty with-temporal with-pose adds those
# variants of the tutorial config, --only NAME… runs the pickers whose names contain NAME]
#   --quick: tiny clips, 2 rounds, 10 steps, the stand-in as the starting model (a smoke check, minutes)
#   ORCHESTRATE_BIN: the binary to run (default: this checkout's release build, built if missing)
#   AL_ROUNDS, AL_BUDGET, AL_STEPS, AL_SCALE, AL_HELDOUT_SCALE, AL_RANDOM_SEEDS, AL_START_STEPS: the full
#   run's settings (the starting model: the stand-in fine-tuned AL_START_STEPS steps on one clip)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
quick=${1:-}
[ "$quick" = --quick ] && shift
extra=("$@")  # curve.py's own options, e.g. --ablation, --only random
if [ "$quick" = --quick ]; then
    mode=quick rounds=2 budget=0.05 steps=10 scale=0.08 heldout_scale=0.04 seeds=3 start_steps=0
else
    mode=full rounds=${AL_ROUNDS:-3} budget=${AL_BUDGET:-0.04} steps=${AL_STEPS:-30} scale=${AL_SCALE:-0.15}
    heldout_scale=${AL_HELDOUT_SCALE:-0.05} seeds=${AL_RANDOM_SEEDS:-3} start_steps=${AL_START_STEPS:-40}
fi
bin="${ORCHESTRATE_BIN:-$root/.build/release/orchestrate}"
[ -x "$bin" ] || swift build -c release --product orchestrate >&2
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
clips=.build/active-learning/clips
pool=$clips/pool-seed0-scale$scale
heldout=$clips/heldout-seed500-scale$heldout_scale
# The weak start's narrow slice: one clip of walking and standing players, its own seed.
slice=$clips/slice-seed700-scale0.3
/usr/bin/python3 examples/generate_clips.py --out "$slice" --seed 700 --frames-scale 0.3 --only timeout-bench.mp4 >&2
for job in "$pool 0 $scale" "$heldout 500 $heldout_scale"; do
    set -- $job
    /usr/bin/python3 -c 'import sys; sys.path.insert(0, "examples"); import generate_clips as g; print("\n".join(c.name for c in g.CLIPS))' |
        xargs -P 2 -I{} /usr/bin/python3 examples/generate_clips.py --out "$1" --seed "$2" --frames-scale "$3" --only {} >&2
done
# A fresh work folder: the datapool of "ours" must hold this run's rounds only.
work=.build/active-learning/$mode
rm -rf "$work"
mkdir -p "$work"
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} .venv/bin/python bench/active-learning/curve.py "$bin" "$pool" "$heldout" "$work" \
    --rounds "$rounds" --budget "$budget" --steps "$steps" --random-seeds "$seeds" --slice "$slice" --start-steps "$start_steps" "${extra[@]}" | tee "$work/table.md"
