#!/usr/bin/python3
"""Seconds per training step of plugins/train (the TorchScript module trained in place) against
its peer, the same architecture as a plain eager torchvision module (how examples/train_standin.py
trains), on the same labelled frames, batches and seed, in one process, alternating.

    /usr/bin/python3 bench/train/step_time.py --labels DIR [--steps 5] [--threads 1]

DIR holds coco-keypoints.json and frames/ (examples/oracle_labels.py writes it). Prints per
variant the median seconds per step and the first step's losses (they agree: both run
torchvision's training code on the same weights).
"""
import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]


def module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=ROOT / "pipelines/models/standin-keypointrcnn.pt")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch._C._set_graph_executor_optimize(False)
    train = module("train_plugin", ROOT / "plugins/train/train.py")
    standin = module("train_standin", ROOT / "examples/train_standin.py")

    scripted = torch.jit.load(str(args.model))
    frames = train.read_labelled_frames(args.labels / "coco-keypoints.json", 17)
    eager = standin.build_model()
    eager.load_state_dict(scripted.state_dict())
    variants = {"scripted (plugins/train)": torch.jit.script(train.TrainingStep(scripted)), "eager (peer)": eager}
    train.training_mode(scripted)
    eager.train()
    for submodule in eager.modules():
        if isinstance(submodule, torch.nn.BatchNorm2d):
            submodule.eval()
    times = {name: [] for name in variants}
    first = {}
    for step in range(args.steps):
        batch = [frames[(2 * step) % len(frames)], frames[(2 * step + 1) % len(frames)]]
        for name, run in variants.items():
            torch.manual_seed(step)
            started = time.perf_counter()
            losses = run([image for image, _ in batch], [target for _, target in batch])
            sum(losses.values()).backward()
            times[name].append(time.perf_counter() - started)
            first.setdefault(name, {k: round(v.item(), 4) for k, v in sorted(losses.items())})
    for name in variants:
        print(f"{name}: median {statistics.median(times[name]):.2f} s/step over {args.steps} steps "
              f"(forward + backward, batch 2); first step's losses {first[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
