#!/usr/bin/env python3
"""Trains the stand-in detector: a small Keypoint R-CNN that sees the generated clips' players.

COCO weights cannot be downloaded here and the full model has random weights, so the example
pipeline runs this instead: torchvision's `KeypointRCNN` on a narrow residual backbone with a
64-channel FPN, a 256-wide box head and a 4x128 keypoint head (an 11 MB TorchScript file),
trained from scratch on clips of `examples/generate_clips.py` made with seeds the example does not
use (1000, 1010, 1020, 1030), then evaluated with pycocotools on held-out clips (seed 9000) and
exported in the `detect` model contract (the outputs and embeddings of
`examples/export_keypoint_rcnn.py`) twice: TorchScript (`runtime: libtorch`) and, beside it with
the suffix `.onnx`, ONNX (`runtime: openvino`).

It sees stick figures, nothing else: for real footage, export COCO weights instead.
Reproducible from `--seed` (same data, same order, same initial weights); resumes from its
checkpoint when stopped. Run with the venv that has pycocotools beside Debian's torch; the
committed model is

    .venv/bin/python examples/train_standin.py --stop-at 700 --output pipelines/models/standin-keypointrcnn.pt

and its ONNX twin, from the TorchScript file without retraining:

    .venv/bin/python examples/train_standin.py --onnx-from pipelines/models/standin-keypointrcnn.pt \
        --output pipelines/models/standin-keypointrcnn.onnx
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

# Idle OpenMP threads sleep instead of spinning (read when torch loads; results are unchanged).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
from torch import nn
from torchvision.models.detection import KeypointRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.keypoint_rcnn import KeypointRCNNHeads, KeypointRCNNPredictor
from torchvision.ops import MultiScaleRoIAlign
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_detections import Truth, evaluate  # noqa: E402
from export_keypoint_rcnn import KeypointRCNNWithEmbeddings, export_onnx  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent
WIDTH, HEIGHT = 960, 540          # the clips' size, as the example generates them
TRAIN_WIDTH, TRAIN_HEIGHT = 640, 360  # the model's input size (min_size 360): frames are decoded at it


# ---- the model -------------------------------------------------------------------------------

def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Residual(nn.Module):
    """Two 3x3 convolutions with a shortcut; the first may stride."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(conv_bn(cin, cout, stride), nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(cout))
        self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.shortcut(x))


def narrow_resnet():
    """Strides 4 (stem), 8, 16, 32; the last three feed the FPN."""
    return nn.Sequential(OrderedDict([
        ("stem", nn.Sequential(conv_bn(3, 24, 2), conv_bn(24, 32, 2))),
        ("layer1", nn.Sequential(Residual(32, 48, 2), Residual(48, 48, 1))),
        ("layer2", nn.Sequential(Residual(48, 96, 2), Residual(96, 96, 1))),
        ("layer3", nn.Sequential(Residual(96, 128, 2), Residual(128, 128, 1))),
    ]))


def build_model(detections=20, score_threshold=0.05, proposals=100):
    backbone = BackboneWithFPN(narrow_resnet(), {"layer1": "0", "layer2": "1", "layer3": "2"}, [48, 96, 128], 64,
                               extra_blocks=LastLevelMaxPool())
    # Player heights at 360 px run from ~35 to ~220 px, at h/w ratios from ~1.5 (digging) to ~4 (blocking).
    anchors = AnchorGenerator(sizes=((32,), (64,), (128,), (256,)), aspect_ratios=((1.5, 2.5, 4.0),) * 4)
    return KeypointRCNN(
        backbone, num_classes=None, min_size=TRAIN_HEIGHT, max_size=TRAIN_WIDTH,
        rpn_anchor_generator=anchors,
        rpn_pre_nms_top_n_train=600, rpn_post_nms_top_n_train=300,
        rpn_pre_nms_top_n_test=300, rpn_post_nms_top_n_test=proposals,
        box_roi_pool=MultiScaleRoIAlign(["0", "1", "2"], 7, 2),
        box_head=TwoMLPHead(64 * 7 * 7, 256), box_predictor=FastRCNNPredictor(256, 2),
        box_batch_size_per_image=128, box_score_thresh=score_threshold, box_detections_per_img=detections,
        keypoint_roi_pool=MultiScaleRoIAlign(["0", "1", "2"], 14, 2),
        keypoint_head=KeypointRCNNHeads(64, (128,) * 4), keypoint_predictor=KeypointRCNNPredictor(128, 17))


# ---- data ------------------------------------------------------------------------------------

def generate(folder, seed, frames_scale):
    """Clips and ground truth of `generate_clips.py` (skipped when already there)."""
    subprocess.run([sys.executable, str(EXAMPLES / "generate_clips.py"), "--out", str(folder), "--seed", str(seed),
                    "--frames-scale", str(frames_scale)], check=True, stdout=subprocess.DEVNULL)


def decode(video, width, height):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vf", f"scale={width}:{height}", "-f",
                          "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def load_training_frames(folder, every):
    """(frames [N,H,W,3] uint8 at the model's size, targets) of every `every`-th frame with players."""
    frames, targets = [], []
    sx, sy = TRAIN_WIDTH / WIDTH, TRAIN_HEIGHT / HEIGHT
    for truth_path in sorted(Path(folder).glob("*.json")):
        truth = json.loads(truth_path.read_text())
        video = decode(truth_path.with_suffix(".mp4"), TRAIN_WIDTH, TRAIN_HEIGHT)
        per_frame = {}
        for a in truth["annotations"]:
            per_frame.setdefault(a["image_id"], []).append(a)
        for index in range(0, len(video), every):
            people = per_frame.get(index, [])
            if not people:
                continue
            boxes = torch.tensor([[a["bbox"][0] * sx, a["bbox"][1] * sy, (a["bbox"][0] + a["bbox"][2]) * sx,
                                   (a["bbox"][1] + a["bbox"][3]) * sy] for a in people], dtype=torch.float32)
            keypoints = torch.tensor([a["keypoints"] for a in people], dtype=torch.float32).view(-1, 17, 3)
            keypoints[..., 0] *= sx
            keypoints[..., 1] *= sy
            frames.append(video[index])
            targets.append({"boxes": boxes, "labels": torch.ones(len(people), dtype=torch.int64),
                            "keypoints": keypoints})
    return np.stack(frames), targets


def to_tensor(frame):
    return torch.from_numpy(frame.copy()).permute(2, 0, 1).float() / 255.0


# ---- evaluation ------------------------------------------------------------------------------

def evaluate_on(model, folder, every):
    """Box and keypoint AP of `model` on every `every`-th full-size frame of the clips in `folder`."""
    truth = Truth()
    results, covered = [], []
    model.eval()
    for truth_path in sorted(Path(folder).glob("*.json")):
        truth.add_file(truth_path)
        video = decode(truth_path.with_suffix(".mp4"), WIDTH, HEIGHT)
        for index in range(0, len(video), every):
            image_id = truth.by_frame[(truth_path.stem, index)]
            covered.append(image_id)
            with torch.no_grad():
                output = model([to_tensor(video[index])])[0]
            for box, score, keypoints in zip(output["boxes"].tolist(), output["scores"].tolist(),
                                             output["keypoints"].tolist()):
                results.append({"image_id": image_id, "category_id": 1, "score": score,
                                "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]],
                                "keypoints": [v for x, y, _ in keypoints for v in (x, y, 1)]})
    return evaluate(truth.coco(), results, covered)


# ---- training --------------------------------------------------------------------------------

def learning_rate(step, steps, peak):
    warmup = min(200, steps // 10)
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def train(args):
    torch.set_num_threads(args.threads)
    work = args.work
    checkpoint_path = work / "checkpoint.pt"
    print(f"train_standin: generating training clips (seeds {args.seed * 1000 + 1000}..) in {work}", flush=True)
    started = time.monotonic()
    for number in range(args.train_seeds):
        generate(work / f"train-{number}", args.seed * 1000 + 1000 + number * 10, args.frames_scale)
    frames, targets = [], []
    for number in range(args.train_seeds):
        f, t = load_training_frames(work / f"train-{number}", args.every)
        frames.append(f)
        targets += t
    frames = np.concatenate(frames)
    print(f"train_standin: {len(frames)} training frames, {sum(len(t['boxes']) for t in targets)} players "
          f"({time.monotonic() - started:.0f} s)", flush=True)

    torch.manual_seed(args.seed)
    model = build_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    order = torch.Generator().manual_seed(args.seed)
    step, elapsed = 0, 0.0
    if checkpoint_path.exists():
        state = torch.load(checkpoint_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        order.set_state(state["order"])
        torch.set_rng_state(state["torch"])
        step, elapsed = state["step"], state["elapsed"]
        print(f"train_standin: resuming at step {step}", flush=True)

    model.train()
    clock = time.monotonic()
    running = {}
    last = min(args.steps, args.stop_at or args.steps)
    while step < last:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args.steps, args.lr)
        picks = torch.randint(len(frames), (args.batch,), generator=order).tolist()
        flips = torch.rand(args.batch, generator=order).tolist()
        images, batch_targets = [], []
        for pick, flip in zip(picks, flips):
            image, target = to_tensor(frames[pick]), dict(targets[pick])
            if flip < 0.5:
                image, target = flipped(image, target)
            images.append(image)
            batch_targets.append(target)
        losses = model(images, batch_targets)
        loss = sum(losses.values())
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        optimizer.step()
        step += 1
        for key, value in losses.items():
            running[key] = 0.9 * running.get(key, value.item()) + 0.1 * value.item()
        if step % 10 == 0 or step == last:
            now = time.monotonic()
            elapsed += now - clock
            clock = now
            print(f"step {step}/{args.steps} {elapsed / 60:.1f} min " +
                  " ".join(f"{k.replace('loss_', '')} {v:.3f}" for k, v in running.items()), flush=True)
        if step % args.checkpoint_every == 0 or step == last:
            save_checkpoint(checkpoint_path, model, optimizer, order, step, elapsed)
    print(f"train_standin: trained {step} of {args.steps} steps in {elapsed / 60:.1f} min", flush=True)
    return model, elapsed


FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


def flipped(image, target):
    """The image mirrored left to right, its boxes and keypoints with it (left and right joints swapped)."""
    width = image.shape[-1]
    boxes = target["boxes"].clone()
    boxes[:, [0, 2]] = width - target["boxes"][:, [2, 0]]
    keypoints = target["keypoints"][:, FLIP].clone()
    keypoints[..., 0] = torch.where(keypoints[..., 2] > 0, width - keypoints[..., 0], keypoints[..., 0])
    return image.flip(-1), dict(target, boxes=boxes, keypoints=keypoints)


def save_checkpoint(path, model, optimizer, order, step, elapsed):
    partial = path.with_suffix(".partial")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "order": order.get_state(),
                "torch": torch.get_rng_state(), "step": step, "elapsed": elapsed}, partial)
    partial.replace(path)


def export(model, output):
    """Scripts the model with embeddings (the `detect` contract) and writes it atomically, and its
    ONNX twin beside it (`output` with the suffix `.onnx`)."""
    model.eval()
    scripted = torch.jit.script(KeypointRCNNWithEmbeddings(model))
    partial = output.with_name(output.name + ".partial")
    scripted.save(str(partial))
    partial.replace(output)
    export_onnx(model, str(output.with_suffix(".onnx")), HEIGHT, WIDTH)


def export_onnx_from(torchscript, output, proposals):
    """The ONNX twin of an exported stand-in: its weights, score threshold and detection cap, traced,
    keeping `proposals` RPN proposals after NMS (the box head runs on each)."""
    import torchvision  # noqa: F401  (registers the operators the TorchScript file uses)
    scripted = torch.jit.load(str(torchscript))
    model = build_model(detections=scripted.roi_heads.detections_per_img,
                        score_threshold=scripted.roi_heads.score_thresh, proposals=proposals)
    KeypointRCNNWithEmbeddings(model).load_state_dict(scripted.state_dict())
    export_onnx(model.eval(), str(output), HEIGHT, WIDTH)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=Path("pipelines/models/standin-keypointrcnn.pt"))
    parser.add_argument("--work", type=Path, default=Path(".build/standin"),
                        help="clips and checkpoint (resumed from when present)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--stop-at", type=int, help="stop after this step (the learning rate still follows --steps)")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--train-seeds", type=int, default=4, help="sets of five training clips")
    parser.add_argument("--frames-scale", type=float, default=0.5)
    parser.add_argument("--every", type=int, default=2, help="train on every n-th frame")
    parser.add_argument("--checkpoint-every", type=int, default=100)
    # One thread: on a shared 2-core machine two OpenMP threads wait on each other (several times slower).
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--score-threshold", type=float, default=0.5,
                        help="the exported model's box score threshold (training samples all boxes)")
    parser.add_argument("--eval-only", type=Path, help="score and export this checkpoint instead of training")
    parser.add_argument("--onnx-from", type=Path, help="write the ONNX twin of this exported TorchScript stand-in")
    parser.add_argument("--rpn-post-nms-top-n", type=int, default=100,
                        help="with --onnx-from: RPN proposals after NMS, each run through the box head (default 100, "
                             "as trained)")
    args = parser.parse_args(argv)
    if args.onnx_from:
        export_onnx_from(args.onnx_from, args.output, args.rpn_post_nms_top_n)
        print(f"train_standin: wrote {args.output}", flush=True)
        return 0
    args.work.mkdir(parents=True, exist_ok=True)

    if args.eval_only:
        torch.set_num_threads(args.threads)
        state = torch.load(args.eval_only)
        model = build_model()
        model.load_state_dict(state["model"])
        elapsed = state["elapsed"]
        print(f"train_standin: checkpoint of step {state['step']}", flush=True)
    else:
        model, elapsed = train(args)
    # Scored as exported: with the pipeline's threshold, so that counts of detections mean players.
    model.roi_heads.score_thresh = args.score_threshold
    held_out = args.work / "held-out"
    generate(held_out, 9000, 0.2)
    metrics = evaluate_on(model, held_out, every=2)
    print(f"train_standin: held-out clips (seed 9000): box AP {metrics['box_ap']:.3f}, "
          f"keypoint AP {metrics['keypoint_ap']:.3f} (training {elapsed / 60:.1f} min)", flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    export(model, args.output)
    size = args.output.stat().st_size / 1e6
    print(f"train_standin: wrote {args.output} ({size:.1f} MB)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
