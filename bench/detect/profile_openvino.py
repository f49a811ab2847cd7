#!/usr/bin/env python3
"""Where an OpenVINO `detect` model spends its time: OpenVINO's per-node performance counters over
a few frames, summed by part of the model (backbone, FPN, RPN, box RoI pooling, box head, keypoint
head, the rest) and by the kernel each node ran (e.g. `brgconv_avx512_I8` for int8 convolutions),
one stream with `--threads` threads, f32 as `detect` compiles it. Frames come from a video at its
own size, as `detect` sees them.

    .venv-openvino/bin/python bench/detect/profile_openvino.py MODEL.onnx --video clip.mp4 --frames 5

Prints one JSON object: mean milliseconds per frame of each part and kernel, and the wall time.
"""
import argparse
import collections
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import openvino as ov

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
from quantize_openvino import decode  # noqa: E402

PARTS = [("backbone", r"^/backbone/body/"), ("fpn", r"^/backbone/fpn/"), ("rpn", r"^/rpn/"),
         ("box_roi_pool", r"^/roi_heads/box_roi_pool/"), ("box_head", r"^/roi_heads/box_head/"),
         ("box_predictor", r"^/roi_heads/box_predictor/"), ("keypoint_roi_pool", r"^/roi_heads/keypoint_roi_pool/"),
         ("keypoint_head", r"^/roi_heads/keypoint_(head|predictor)/"), ("transform", r"^/transform/")]


def part(name):
    for label, pattern in PARTS:
        if re.search(pattern, name):
            return label
    return "other"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--video", required=True)
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    compiled = ov.Core().compile_model(args.model, "CPU", {
        "INFERENCE_NUM_THREADS": args.threads, "NUM_STREAMS": 1, "INFERENCE_PRECISION_HINT": "f32",
        "PERF_COUNT": True})
    request = compiled.create_infer_request()
    frames = decode(args.video)[:args.frames + 1]
    by_part, by_kernel, walls = collections.Counter(), collections.Counter(), []
    for number, frame in enumerate(frames):
        image = np.ascontiguousarray(frame.transpose(2, 0, 1), dtype=np.float32) / 255.0
        started = time.perf_counter()
        request.infer({"image": image})
        if number == 0:
            continue  # the first pass: warm-up
        walls.append(time.perf_counter() - started)
        for info in request.profiling_info:
            milliseconds = info.real_time.total_seconds() * 1000
            by_part[part(info.node_name)] += milliseconds
            by_kernel[info.exec_type] += milliseconds
    count = len(walls)
    print(json.dumps({
        "model": args.model, "frames": count, "threads": args.threads,
        "wall_ms_per_frame": round(1000 * sum(walls) / count, 1),
        "parts_ms": {k: round(v / count, 1) for k, v in by_part.most_common()},
        "kernels_ms": {k: round(v / count, 1) for k, v in by_kernel.most_common(12)},
    }, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
