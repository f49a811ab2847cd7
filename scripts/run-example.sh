#!/usr/bin/env bash
# The main job: set-up, five generated clips, then the volleyball pipeline.
#
#   scripts/run-example.sh                 # everything; a second run finishes in seconds (all cached)
#   scripts/run-example.sh --full-random   # the same on the full-size model with random weights, for timing
#
# By default detect runs the committed stand-in (pipelines/models/standin-keypointrcnn.pt): a small
# Keypoint R-CNN trained on generated clips by examples/train_standin.py, which sees their players
# and nothing else. --full-random exports Keypoint R-CNN (ResNet-50 FPN, the full architecture) with
# RANDOM weights at 360 px instead and runs pipelines/volleyball-full-random.yaml, a copy of the
# pipeline that uses it: nothing can be downloaded here. docs/tutorial.md says how to run the real
# videos with COCO weights.
set -euo pipefail
cd "$(dirname "$0")/.."

pipeline=pipelines/volleyball.yaml
case "${1:-}" in
  "") ;;
  --full-random) pipeline=pipelines/volleyball-full-random.yaml ;;
  *) echo "usage: $0 [--full-random]" >&2; exit 2 ;;
esac

scripts/setup.sh --runtime

# The release build: the one users should run (the debug build is several times slower).
echo "run-example: building orchestrate (release) and the libtorch shim it loads for detect"
swift build -c release --product CTorchShim
swift build -c release --product COpenVINOShim
swift build -c release --product orchestrate
orchestrate=.build/release/orchestrate

if [ "$pipeline" = pipelines/volleyball-full-random.yaml ]; then
  model=pipelines/models/keypointrcnn-random-360.pt
  if [ ! -f "$model" ]; then
    echo "run-example: exporting $model (RANDOM weights: a stand-in for COCO weights, which cannot be downloaded here)"
    /usr/bin/python3 examples/export_keypoint_rcnn.py --random-init --min-size 360 --max-size 640 \
      --output "$model.partial"
    mv "$model.partial" "$model"
  fi
  # The example pipeline with that model, its own name and its own datasources.
  sed -e 's|^  model: models/standin-keypointrcnn.pt$|  model: models/keypointrcnn-random-360.pt|' \
      -e 's|^name: volleyball$|name: volleyball-full-random|' \
      -e 's|datasources/volleyball_|datasources/full_random_|' pipelines/volleyball.yaml > "$pipeline.partial"
  grep -q 'keypointrcnn-random-360' "$pipeline.partial" || { echo "run-example: cannot set the model in $pipeline" >&2; exit 1; }
  mv "$pipeline.partial" "$pipeline"
fi

# Five sports-like clips, 960x540 at 25 fps, 3 to 5.4 s each (generate_clips.py skips existing ones).
/usr/bin/python3 examples/generate_clips.py --out pipelines/data --frames-scale 0.5

"$orchestrate" run "$pipeline"

echo
echo "run-example: done. Results:"
"$orchestrate" status "$pipeline" | grep '^report:' || true
echo "  selected frames:  $(dirname "$("$orchestrate" outputs "$pipeline" schedule | grep '/selected_filenames.txt$')")"
echo "  export files:     $("$orchestrate" outputs "$pipeline" export | grep -v '/frames/' | tr '\n' ' ')"
echo "  datasources:      $(grep -E '^  (input|lightly): ' "$pipeline" | sed 's|^  [a-z]*: |pipelines/|' | tr '\n' ' ')"
echo "  list everything:  $orchestrate outputs $pipeline STAGE"
