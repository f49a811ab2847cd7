#!/usr/bin/env bash
# The main job: set-up, the example model and clips, then the volleyball pipeline.
#
#   scripts/run-example.sh            # everything; a second run finishes in seconds (all cached)
#
# The model is Keypoint R-CNN (ResNet-50 FPN, the full architecture) with RANDOM weights at a
# reduced input size (360 px): nothing can be downloaded here. docs/tutorial.md says how to run
# the real videos with COCO weights.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --runtime

# The release build: the one users should run (the debug build is several times slower).
echo "run-example: building orchestrate (release) and the libtorch shim it loads for detect"
swift build -c release --product CTorchShim
swift build -c release --product orchestrate
orchestrate=.build/release/orchestrate

model=pipelines/models/keypointrcnn-random-360.pt
if [ ! -f "$model" ]; then
  echo "run-example: exporting $model (RANDOM weights: a stand-in for COCO weights, which cannot be downloaded here)"
  mkdir -p "$(dirname "$model")"
  /usr/bin/python3 examples/export_keypoint_rcnn.py --random-init --min-size 360 --max-size 640 \
    --output "$model.partial"
  mv "$model.partial" "$model"
fi

# Five sports-like clips, 960x540 at 25 fps, 3 to 5.4 s each (generate_clips.py skips existing ones).
/usr/bin/python3 examples/generate_clips.py --out pipelines/data --frames-scale 0.5

"$orchestrate" run pipelines/volleyball.yaml

echo
echo "run-example: done. Results:"
"$orchestrate" status pipelines/volleyball.yaml | grep '^report:' || true
echo "  selected frames:  $(dirname "$("$orchestrate" outputs pipelines/volleyball.yaml schedule | grep '/selected_filenames.txt$')")"
echo "  export files:     $("$orchestrate" outputs pipelines/volleyball.yaml export | grep -v '/frames/' | tr '\n' ' ')"
echo "  datasources:      pipelines/datasources/ (volleyball_input, volleyball_lightly/.lightly)"
echo "  list everything:  $orchestrate outputs pipelines/volleyball.yaml STAGE"
