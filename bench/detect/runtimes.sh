#!/usr/bin/env bash
# detect's runtimes side by side on the same frames, in one run: libtorch fp32, OpenVINO fp32 and
# OpenVINO int8 through the release binary's `detect` stage (decode → detect, one video), with the
# tutorial's Python loop as the peer; then the accuracy of each OpenVINO model against libtorch
# fp32. Full-size Keypoint R-CNN with random weights (seed 0) on a 960x540 clip, and the committed
# stand-in on generated clips (ground truth: box and keypoint AP). docs/benchmarks.md records it.
#
#   bench/detect/runtimes.sh                  # FRAMES=20 THREADS=2 REPLICAS=2 MIN_SIZE=800
#   FRAMES=100 MIN_SIZE=540 bench/detect/runtimes.sh
#   PARTS=standin bench/detect/runtimes.sh    # only the stand-in on generated clips (or PARTS=full)
#
# Per runtime: wall and CPU seconds per frame of the whole `orchestrate run` (model load and decode
# included: what a user waits for), peak RSS. The machine's CPU model and load average are printed
# first: compare ratios from one run, not absolute times across machines.
set -euo pipefail
cd "$(dirname "$0")/../.."
FRAMES=${FRAMES:-20}
THREADS=${THREADS:-2}
REPLICAS=${REPLICAS:-2}
MIN_SIZE=${MIN_SIZE:-800}
WORK=${WORK:-.build/bench-runtimes}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
results="$WORK/results.jsonl"
: > "$results"
emit() { echo "$1" | tee -a "$results"; }

emit "{\"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\", \"cores\": $(nproc), \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"frames\": $FRAMES, \"min_size\": $MIN_SIZE, \"threads\": $THREADS, \"replicas\": $REPLICAS}"

swift build -c release --product CTorchShim >&2
swift build -c release --product COpenVINOShim >&2
swift build -c release --product orchestrate >&2
orchestrate=$(swift build -c release --show-bin-path)/orchestrate

# One pipeline per runtime in one folder, each with its own workdir: each detect stage on the same frames.
pipeline() {  # FOLDER STAGE RUNTIME MODEL
  cat > "$1/$2.yaml" <<YAML
version: 1
name: $2
workdir: .orchestrate-$2
stages:
  decode:
    uses: decode
    foreach: data/*.mp4
    with: {every: 1, dedup_threshold: 0}
  detect:
    uses: detect
    needs: [decode]
    with: {runtime: $3, model: $4, threads: $THREADS, replicas: $REPLICAS}
YAML
}

measure() {  # FOLDER NAME RUNTIME MODEL FRAMES
  local folder=$1 name=$2 runtime=$3 model=$4 frames=$5
  pipeline "$folder" "$name" "$runtime" "$model"
  (cd "$folder" && "$orchestrate" run "$name.yaml" --until decode >/dev/null 2>&1)
  local stats="$folder/$name.time"
  (cd "$folder" && /usr/bin/time -f '%e %U %S %M' -o "$stats" "$orchestrate" run "$name.yaml" >/dev/null)
  read -r wall user system rss < "$stats"
  emit "$(python3 -c "import json; print(json.dumps({'peer': 'detect $name', 'runtime': '$runtime', 'frames': $frames, \
'seconds_per_frame': round($wall / $frames, 3), 'cpu_seconds_per_frame': round(($user + $system) / $frames, 3), \
'peak_rss_mib': round($rss / 1024)}))")"
}

detections() { (cd "$1" && "$orchestrate" outputs "$2.yaml" detect | grep '/detections.json$'); }

compare() {  # FOLDER REFERENCE CANDIDATE [TRUTH...]
  local folder=$1 reference=$2 candidate=$3
  shift 3
  local truth=()
  [ $# -gt 0 ] && truth=(--truth "$@")
  local line
  line=$(.venv/bin/python examples/compare_detections.py --json --reference $(detections "$folder" "$reference") \
    --candidate $(detections "$folder" "$candidate") "${truth[@]}" | tail -1)
  emit "{\"accuracy\": \"$candidate vs $reference ($(basename "$folder"))\", \"metrics\": $line}"
}

if [[ ${PARTS:-full,standin} == *full* ]]; then
  full="$WORK/full-$FRAMES"
  mkdir -p "$full/data"
  clip="$full/data/clip.mp4"
  [ -f "$clip" ] || ffmpeg -loglevel error -f lavfi -i "testsrc2=size=960x540:rate=25" -frames:v "$FRAMES" \
    -c:v libx264 -pix_fmt yuv420p "$clip"
  for format in pt onnx; do
    model="$WORK/keypointrcnn-random-$MIN_SIZE.$format"
    [ -f "$model" ] || /usr/bin/python3 examples/export_keypoint_rcnn.py --random-init --min-size "$MIN_SIZE" \
      --output "$model" >&2
  done
  int8="$WORK/keypointrcnn-random-$MIN_SIZE-int8.onnx"
  [ -f "$int8" ] || .venv-openvino/bin/python examples/quantize_openvino.py --model "${int8%-int8.onnx}.onnx" \
    --video "$clip" --frames "$FRAMES" --output "$int8" >&2

  # The peer: the tutorial's loop as written, on the same clip.
  emit "$(/usr/bin/python3 bench/torch/tutorial_loop.py "$clip" --frames "$FRAMES" --min-size "$MIN_SIZE" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); r.pop("seconds_per_frame"); print(json.dumps(r))')"
  measure "$full" libtorch-fp32 libtorch "$WORK/keypointrcnn-random-$MIN_SIZE.pt" "$FRAMES"
  measure "$full" openvino-fp32 openvino "$WORK/keypointrcnn-random-$MIN_SIZE.onnx" "$FRAMES"
  measure "$full" openvino-int8 openvino "$int8" "$FRAMES"
  compare "$full" libtorch-fp32 openvino-fp32
  compare "$full" libtorch-fp32 openvino-int8
fi

if [[ ${PARTS:-full,standin} == *standin* ]]; then
  # The stand-in on held-out generated clips (seed 5000) with ground truth: AP of each runtime.
  standin="$WORK/standin"
  mkdir -p "$standin"
  [ -d "$standin/data" ] || .venv/bin/python examples/generate_clips.py --out "$standin/data" --seed 5000 \
    --frames-scale 0.2 --only rally-court-a.mp4 --only block-at-net.mp4 >/dev/null
  standin_int8="$WORK/standin-int8.onnx"
  [ -f "$standin_int8" ] || .venv-openvino/bin/python examples/quantize_openvino.py \
    --model pipelines/models/standin-keypointrcnn.onnx --video "$standin/data/rally-court-a.mp4" \
    --video "$standin/data/block-at-net.mp4" --frames 300 --output "$standin_int8" >&2
  kept=$(for video in "$standin"/data/*.mp4; do
    ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$video"
  done | paste -sd+ | bc)
  measure "$standin" libtorch-fp32 libtorch "$PWD/pipelines/models/standin-keypointrcnn.pt" "$kept"
  measure "$standin" openvino-fp32 openvino "$PWD/pipelines/models/standin-keypointrcnn.onnx" "$kept"
  measure "$standin" openvino-int8 openvino "$standin_int8" "$kept"
  compare "$standin" libtorch-fp32 openvino-fp32 "$standin"/data/*.json
  compare "$standin" libtorch-fp32 openvino-int8 "$standin"/data/*.json
fi
emit "{\"load_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
