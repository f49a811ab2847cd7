#!/usr/bin/env bash
# detect's runtimes side by side on the same frames, in one run: libtorch fp32, OpenVINO fp32 and
# OpenVINO int8 through the release binary's `detect` stage (decode → detect, one video), with the
# tutorial's Python loop as the peer; then the accuracy of each OpenVINO model against libtorch
# fp32. Full-size Keypoint R-CNN with random weights (seed 0) on a 960x540 clip, and the committed
# stand-in on generated clips (ground truth: box and keypoint AP). docs/benchmarks.md records it.
#
#   bench/detect/runtimes.sh                  # FRAMES=100 THREADS=2 REPLICAS=2 MIN_SIZE=800
#   FRAMES=20 MIN_SIZE=540 bench/detect/runtimes.sh
#   PARTS=standin bench/detect/runtimes.sh    # only the stand-in on generated clips (or PARTS=full)
#   PROPOSALS="100 50" bench/detect/runtimes.sh   # also OpenVINO fp32 and int8 exported with fewer
#                                             # RPN proposals after NMS (full: 1000, stand-in: 100)
#
# Per runtime, the same kind of figure as the loop's (its mean per frame after the first, model load
# outside its clock; its median beside it): seconds and CPU seconds per frame after the first frame, from `orchestrate run --json`'s
# progress events (bench/detect/timed_run.py); beside it the whole `orchestrate run` divided by the
# frames (model load, compile and decode included: what a user waits for), and peak RSS. The
# machine's CPU model and load average are printed first: compare ratios from one run, not
# absolute times across machines.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/detect/pipeline.sh
FRAMES=${FRAMES:-100}
THREADS=${THREADS:-2}
REPLICAS=${REPLICAS:-2}
MIN_SIZE=${MIN_SIZE:-800}
PROPOSALS=${PROPOSALS:-}
WORK=${WORK:-.build/bench-runtimes}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
results="$WORK/results.jsonl"
: > "$results"
emit() { echo "$1" | tee -a "$results"; }

emit "{\"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\", \"cores\": $(nproc), \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"frames\": $FRAMES, \"min_size\": $MIN_SIZE, \"threads\": $THREADS, \"replicas\": $REPLICAS, \"proposals\": \"$PROPOSALS\", \"commit\": \"$(git rev-parse --short HEAD)\"}"

swift build -c release --product CTorchShim >&2
swift build -c release --product COpenVINOShim >&2
swift build -c release --product orchestrate >&2
orchestrate=$(swift build -c release --show-bin-path)/orchestrate

measure() {  # FOLDER NAME RUNTIME MODEL FRAMES
  local folder=$1 name=$2 runtime=$3 model=$4 frames=$5
  detect_pipeline "$folder/$name.yaml" "$name" "runtime: $runtime, model: $model, threads: $THREADS, replicas: $REPLICAS"
  (cd "$folder" && "$orchestrate" run "$name.yaml" --until decode >/dev/null 2>&1)
  local timed
  timed=$(cd "$folder" && python3 "$OLDPWD/bench/detect/timed_run.py" "$orchestrate" "$name.yaml" "$frames")
  emit "{\"peer\": \"detect $name\", \"runtime\": \"$runtime\", ${timed#\{}"
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

quantize() {  # FP32_ONNX INT8_ONNX VIDEO... : examples/quantize_openvino.py, 300 calibration frames at most
  local model=$1 output=$2
  shift 2
  [ -f "$output" ] || .venv-openvino/bin/python examples/quantize_openvino.py --model "$model" \
    $(printf -- '--video %s ' "$@") --frames 300 --output "$output" >&2
}

# OpenVINO fp32 and int8 of one ONNX model, compared with the folder's libtorch fp32 run.
measure_openvino() {  # FOLDER SUFFIX FP32_ONNX FRAMES VIDEOS [TRUTH...]
  local folder=$1 suffix=$2 model=$3 frames=$4 videos=$5
  shift 5
  local int8="${model%.onnx}-int8.onnx"
  quantize "$model" "$int8" $videos
  measure "$folder" "openvino-fp32$suffix" openvino "$model" "$frames"
  measure "$folder" "openvino-int8$suffix" openvino "$int8" "$frames"
  compare "$folder" libtorch-fp32 "openvino-fp32$suffix" "$@"
  compare "$folder" libtorch-fp32 "openvino-int8$suffix" "$@"
}

if [[ ${PARTS:-full,standin} == *full* ]]; then
  full="$WORK/full-$FRAMES"
  mkdir -p "$full/data"
  clip="$full/data/clip.mp4"
  [ -f "$clip" ] || ffmpeg -loglevel error -f lavfi -i "testsrc2=size=960x540:rate=25" -frames:v "$FRAMES" \
    -c:v libx264 -pix_fmt yuv420p "$clip"
  export_full() {  # FILE [OPTIONS...]
    local file=$1
    shift
    [ -f "$file" ] || /usr/bin/python3 examples/export_keypoint_rcnn.py --random-init --min-size "$MIN_SIZE" "$@" \
      --output "$file" >&2
  }
  base="$WORK/keypointrcnn-random-$MIN_SIZE"
  export_full "$base.pt"
  export_full "$base.onnx"

  # The peer: the tutorial's loop as written, on the same clip; its figure is the mean per frame after
  # the first, like ours (the median beside it).
  emit "$(/usr/bin/python3 bench/torch/tutorial_loop.py "$clip" --frames "$FRAMES" --min-size "$MIN_SIZE" \
    | python3 -c 'import json, sys; r = json.load(sys.stdin); t = r.pop("seconds_per_frame")
r.update(seconds_per_frame=round(sum(t[1:]) / (len(t) - 1), 3), first_frame_seconds=round(t[0], 3)); print(json.dumps(r))')"
  measure "$full" libtorch-fp32 libtorch "$base.pt" "$FRAMES"
  measure_openvino "$full" "" "$base.onnx" "$FRAMES" "$clip"
  for proposals in $PROPOSALS; do
    export_full "$base-proposals$proposals.onnx" --rpn-post-nms-top-n "$proposals"
    measure_openvino "$full" "-proposals$proposals" "$base-proposals$proposals.onnx" "$FRAMES" "$clip"
  done
fi

if [[ ${PARTS:-full,standin} == *standin* ]]; then
  # The stand-in on held-out generated clips (seed 5000) with ground truth: AP of each runtime.
  standin="$WORK/standin"
  mkdir -p "$standin"
  [ -d "$standin/data" ] || .venv/bin/python examples/generate_clips.py --out "$standin/data" --seed 5000 \
    --frames-scale 0.2 --only rally-court-a.mp4 --only block-at-net.mp4 >/dev/null
  kept=$(for video in "$standin"/data/*.mp4; do
    ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$video"
  done | paste -sd+ | bc)
  models=$PWD/pipelines/models
  cp -f "$models/standin-keypointrcnn.onnx" "$WORK/standin-keypointrcnn.onnx"
  measure "$standin" libtorch-fp32 libtorch "$models/standin-keypointrcnn.pt" "$kept"
  measure_openvino "$standin" "" "$WORK/standin-keypointrcnn.onnx" "$kept" "$(echo "$standin"/data/*.mp4)" \
    "$standin"/data/*.json
  for proposals in $PROPOSALS; do
    model="$WORK/standin-keypointrcnn-proposals$proposals.onnx"
    [ -f "$model" ] || .venv/bin/python examples/train_standin.py --onnx-from "$models/standin-keypointrcnn.pt" \
      --rpn-post-nms-top-n "$proposals" --output "$model" >&2
    measure_openvino "$standin" "-proposals$proposals" "$model" "$kept" "$(echo "$standin"/data/*.mp4)" \
      "$standin"/data/*.json
  done
fi
emit "{\"load_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
