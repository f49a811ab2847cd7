#!/usr/bin/env python3
"""Quantize a `detect` model to int8 for `runtime: openvino`, calibrated on your own video.

Post-training quantization with OpenVINO's NNCF (its ONNX backend): the convolutions and fully
connected layers of an ONNX model written by `examples/export_keypoint_rcnn.py` (or
`examples/train_standin.py`) get int8 weights and activations, their ranges measured on decoded
frames of the videos you will run `detect` on (a few hundred frames, spread evenly over the
videos). `--scope` says how far: the backbone and feature pyramid, then the RPN's head
convolution, then (the default) the box head's two FC layers and the keypoint head's convolutions,
which run once per proposal or detection after RoiAlign. Proposal selection, RoiAlign, the two
predictors and the post-processing stay fp32 in every scope: they decide the boxes and keypoints
from the features. The output is one ONNX file with QuantizeLinear/DequantizeLinear pairs, which
OpenVINO runs in int8:

    .venv-openvino/bin/python examples/quantize_openvino.py --model models/keypointrcnn.onnx \
        --video clips/match1.mp4 --video clips/match2.mp4 --frames 300 --output models/keypointrcnn-int8.onnx
    # only the backbone and FPN in int8
    ... --scope backbone --output models/keypointrcnn-backbone-int8.onnx

    detect:
      uses: detect
      with: {runtime: openvino, model: models/keypointrcnn-int8.onnx}

Run it with the venv `scripts/setup.sh` makes for it (`.venv-openvino`: nncf, onnx, onnxruntime,
which NNCF runs the model on to measure ranges). Frames are decoded with the `ffmpeg` command at
the video's own size, as `detect` sees them. The accuracy cost on the generated clips is in
docs/benchmarks.md ("OpenVINO and int8"); measure it on your footage before trusting it
(`examples/compare_detections.py` compares two runs' detections.json on the same frames).
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np


# Per --scope, the nodes NNCF leaves in fp32 (a regular expression over ONNX node names). The rest
# (RPN proposals, RoiAlign, the predictors, post-processing) stays fp32 in every scope.
SCOPES = {
    "backbone": "^(?!/backbone/).*",
    "rpn": "^(?!/backbone/|/rpn/head/).*",
    "heads": "^(?!/backbone/|/rpn/head/|/roi_heads/(box_head|keypoint_head)/).*",
}


def video_size(video):
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "json", str(video)], check=True, capture_output=True)
    stream = json.loads(probe.stdout)["streams"][0]
    return stream["width"], stream["height"]


def decode(video):
    """Every frame of `video` as uint8 [N, H, W, 3] RGB."""
    width, height = video_size(video)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def calibration_frames(videos, count):
    """About `count` frames spread evenly over all of `videos`, as the model's input: CHW float in [0, 1]."""
    decoded = [decode(video) for video in videos]
    total = sum(len(frames) for frames in decoded)
    if total == 0:
        sys.exit("quantize_openvino: the videos have no frames")
    step = max(1, total // count)
    everything = [frame for frames in decoded for frame in frames]
    return [np.ascontiguousarray(frame.transpose(2, 0, 1), dtype=np.float32) / 255.0 for frame in everything[::step]]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="the fp32 ONNX detect model")
    parser.add_argument("--video", type=Path, action="append", required=True, help="a calibration video (repeat)")
    parser.add_argument("--frames", type=int, default=300, help="calibration frames in all (default 300)")
    parser.add_argument("--output", type=Path, required=True, help="the int8 ONNX model to write")
    parser.add_argument("--scope", choices=list(SCOPES), default="heads",
                        help="how far int8 reaches: backbone (the backbone and FPN), rpn (also the RPN's head "
                             "convolution), heads (also the box head's two FC layers and the keypoint head's "
                             "convolutions after RoiAlign; the default)")
    args = parser.parse_args(argv)

    import nncf
    import onnx

    try:
        model = onnx.load(str(args.model))
    except Exception as error:  # onnx raises several unrelated types for a file that is not ONNX
        sys.exit(f"quantize_openvino: {args.model}: not an ONNX model: {error}")
    inputs = [i.name for i in model.graph.input]
    if inputs != ["image"]:
        sys.exit(f"quantize_openvino: {args.model}: inputs {inputs}, expected one 'image' "
                 "(an export of examples/export_keypoint_rcnn.py)")
    frames = calibration_frames(args.video, args.frames)
    print(f"quantize_openvino: calibrating on {len(frames)} frames of {len(args.video)} video(s)", flush=True)
    quantized = nncf.quantize(model, nncf.Dataset(frames, lambda frame: {"image": frame}), subset_size=len(frames),
                              preset=nncf.QuantizationPreset.MIXED,
                              ignored_scope=nncf.IgnoredScope(patterns=[SCOPES[args.scope]], validate=False))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name and renamed: a killed run leaves no half-written model.
    partial = args.output.with_name(args.output.name + ".partial")
    onnx.save(quantized, str(partial))
    partial.replace(args.output)
    print(f"quantize_openvino: wrote {args.output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
