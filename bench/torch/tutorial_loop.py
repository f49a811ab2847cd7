#!/usr/bin/python3
"""The tutorial's prediction loop, as written, timed per frame (the Python peer of TorchBench).

PyAV decode, frame.to_image(), F.to_tensor, the eager model on a batch of one, and no
torch.no_grad() unless --no-grad. The model is torchvision's Keypoint R-CNN ResNet-50 FPN with
random weights (seed 0, score threshold 0, 10 detections), as the TorchScript export makes it.

Usage: tutorial_loop.py VIDEO --frames N [--threads T] [--min-size 800] [--no-grad]
Without --threads the loop keeps torch's default thread count, exactly as the tutorial does.
Prints one JSON object: per-frame wall seconds, their median, frames per second, process CPU
seconds per frame (user + system, all threads: less sensitive to a shared machine), peak RSS.
"""
import argparse
import json
import resource
import statistics
import time

import av
import torch
import torchvision.transforms.functional as F
from torchvision.models.detection import keypointrcnn_resnet50_fpn

parser = argparse.ArgumentParser()
parser.add_argument("video")
parser.add_argument("--frames", type=int, default=20)
parser.add_argument("--threads", type=int, default=None)
parser.add_argument("--min-size", type=int, default=800)
parser.add_argument("--no-grad", action="store_true")
args = parser.parse_args()

if args.threads is not None:
    torch.set_num_threads(args.threads)
torch.manual_seed(0)
model = keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None, min_size=args.min_size,
                                  box_score_thresh=0.0, box_detections_per_img=10)
model.eval()
device = "cuda" if torch.cuda.is_available() else "cpu"
model.to(device)


def model_predict(frame):
    frame_tensor = F.to_tensor(frame).to(device)
    output = model(frame_tensor.unsqueeze(0))[0]
    return {key: val.tolist() for key, val in output.items()}


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


times = []
cpu_start = cpu_seconds()
with av.open(args.video) as container:
    stream = container.streams.video[0]
    start = time.perf_counter()
    for frame in container.decode(stream):
        if args.no_grad:
            with torch.no_grad():
                model_predict(frame.to_image())
        else:
            model_predict(frame.to_image())
        now = time.perf_counter()
        times.append(now - start)
        start = now
        if len(times) == args.frames:
            break

print(json.dumps({
    "peer": "tutorial loop" + (" + no_grad" if args.no_grad else " as written"),
    "threads": torch.get_num_threads(), "threads_set": args.threads is not None, "min_size": args.min_size, "frames": len(times),
    "seconds_per_frame": times, "median_seconds": statistics.median(times),
    "fps": len(times) / sum(times),
    "cpu_seconds_per_frame": (cpu_seconds() - cpu_start) / len(times),
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
