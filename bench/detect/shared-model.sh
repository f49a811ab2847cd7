#!/usr/bin/env bash
# Memory and throughput of `detect` when several items run at once (`-j 3`): the items of one
# stage share one loaded model (`DetectionModelCache`) since 2026-12-07; before, each item loaded
# its own copy. Full-size Keypoint R-CNN (random weights, min_size 800) on three 960x540 clips.
#
#   bench/detect/shared-model.sh                         # this checkout's release binary
#   BEFORE=/path/to/older/orchestrate bench/detect/shared-model.sh   # and an older one, same run
#   AFTER=/path/to/orchestrate ...                    # instead of building this checkout
#
# Per binary: wall seconds and CPU seconds per frame of `orchestrate run -j 3` (decode cached
# before), and peak RSS of the process (detect runs in it). Compare within one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/detect/pipeline.sh
FRAMES=${FRAMES:-6}
WORK=${WORK:-.build/bench-shared-model}
mkdir -p "$WORK/data"
WORK=$(cd "$WORK" && pwd)
after=${AFTER:-}
if [ -z "$after" ]; then
  swift build -c release --product CTorchShim >&2
  swift build -c release --product orchestrate >&2
  after=$(swift build -c release --show-bin-path)/orchestrate
fi

echo "{\"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\", \"cores\": $(nproc), \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"frames_per_clip\": $FRAMES}"
model="$WORK/keypointrcnn-random-800.pt"
[ -f "$model" ] || /usr/bin/python3 examples/export_keypoint_rcnn.py --random-init --output "$model" >&2
for seed in 1 2 3; do
  clip="$WORK/data/clip-$seed.mp4"
  [ -f "$clip" ] || ffmpeg -loglevel error -f lavfi -i "testsrc2=size=960x540:rate=25" -vf "hue=H=$seed" \
    -frames:v "$FRAMES" -c:v libx264 -pix_fmt yuv420p "$clip"
done

measure() {  # NAME BINARY
  local folder="$WORK/$1"
  rm -rf "$folder" && mkdir -p "$folder" && ln -s "$WORK/data" "$folder/data"
  detect_pipeline "$folder/p.yaml" shared-model "model: $model, threads: 2, replicas: 2"
  (cd "$folder" && "$2" run p.yaml --until decode >/dev/null 2>&1)
  (cd "$folder" && /usr/bin/time -f '%e %U %S %M' -o time.txt "$2" run p.yaml -j 3 >/dev/null)
  read -r wall user system rss < "$folder/time.txt"
  python3 -c "import json; f=3*$FRAMES; print(json.dumps({'binary': '$1', 'jobs': 3, 'frames': f, \
'seconds_per_frame': round($wall / f, 3), 'cpu_seconds_per_frame': round(($user + $system) / f, 3), \
'peak_rss_mib': round($rss / 1024)}))"
}

[ -n "${BEFORE:-}" ] && measure before "$BEFORE"
measure after "$after"
[ -n "${BEFORE:-}" ] && measure before-again "$BEFORE"
measure after-again "$after"
