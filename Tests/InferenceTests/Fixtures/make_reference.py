#!/usr/bin/python3
"""Fixtures for InferenceTests: tiny random Keypoint R-CNN exports, raw frames, eager reference.

Usage: make_reference.py EXPORT_SCRIPT OUT_DIR THREADS

Writes into OUT_DIR:
  model.pt        the tiny export with embeddings (seed 0), list-of-dicts output
  model.onnx      the same model exported to ONNX (runtime openvino)
  no-keypoints.onnx an ONNX model whose outputs lack 'keypoints' (a wrong output)
  tuple.pt        a stub returning torchvision's scripted (losses, detections) tuple, fixed values
  tensor.pt       a stub returning a bare tensor (a wrong output)
  no-keypoints.pt a stub whose detections lack 'keypoints' (a wrong output)
  frame-K.f32     frame K as float32 planar CHW RGB in [0, 1], little endian
  frames.json     [{"file", "height", "width"}] per frame
  reference.json  eager torchvision outputs per frame (the parity reference)
"""
import importlib.util
import json
import os
import sys

import numpy as np
import torch
from torch import Tensor, nn
from typing import Dict, List, Tuple


def load_export_module(path):
    spec = importlib.util.spec_from_file_location("export_keypoint_rcnn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TupleStub(nn.Module):
    """One fixed detection per image, returned like torchvision's scripted detectors."""

    def forward(self, images: List[Tensor]) -> Tuple[Dict[str, Tensor], List[Dict[str, Tensor]]]:
        detections: List[Dict[str, Tensor]] = []
        for image in images:
            detections.append({
                "boxes": torch.tensor([[1.0, 2.0, 3.0, 4.0]]),
                "labels": torch.tensor([1]),
                "scores": torch.tensor([0.5]),
                "keypoints": torch.arange(51, dtype=torch.float32).reshape(1, 17, 3) + image.mean(),
                "keypoints_scores": torch.full((1, 17), 2.5),
            })
        return {}, detections


class TensorStub(nn.Module):
    def forward(self, images: List[Tensor]) -> Tensor:
        return images[0]


class NoKeypointsStub(nn.Module):
    def forward(self, images: List[Tensor]) -> List[Dict[str, Tensor]]:
        return [{"boxes": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.int64),
                 "scores": torch.zeros(0)} for _ in images]


class NoKeypointsONNX(nn.Module):
    def forward(self, image: Tensor):
        boxes = image.mean().reshape(1, 1).expand(1, 4)
        return boxes, torch.ones(1, dtype=torch.int64), image.mean().reshape(1)


def make_frames():
    # Smooth gradients with a few bright rectangles: deterministic, not noise.
    rng = np.random.default_rng(7)
    frames = []
    for height, width in [(96, 160), (96, 160), (120, 100)]:
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        image = np.stack([x / width, y / height, 0.5 * np.ones_like(x)])
        for _ in range(3):
            top, left = rng.integers(0, height // 2), rng.integers(0, width // 2)
            image[:, top:top + height // 3, left:left + width // 4] = rng.random(3, dtype=np.float32)[:, None, None]
        frames.append(np.ascontiguousarray(image, dtype=np.float32))
    return frames


def main():
    export_script, out_dir, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    exporter = load_export_module(export_script)
    model_path = os.path.join(out_dir, "model.pt")
    args = exporter.parse_arguments(["--random-init", "--tiny", "--seed", "0", "--output", model_path])
    model = exporter.build_model(args)
    wrapped = exporter.KeypointRCNNWithEmbeddings(model).eval()
    torch.jit.script(wrapped).save(model_path)
    torch.jit.script(TupleStub()).save(os.path.join(out_dir, "tuple.pt"))
    torch.jit.script(TensorStub()).save(os.path.join(out_dir, "tensor.pt"))
    torch.jit.script(NoKeypointsStub()).save(os.path.join(out_dir, "no-keypoints.pt"))
    exporter.export_onnx(model, os.path.join(out_dir, "model.onnx"), 96, 160)
    torch.onnx.export(NoKeypointsONNX(), (torch.rand(3, 8, 8),), os.path.join(out_dir, "no-keypoints.onnx"),
                      input_names=["image"], output_names=["boxes", "labels", "scores"],
                      dynamic_axes={"image": [1, 2]})

    frames = make_frames()
    listing = []
    for index, frame in enumerate(frames):
        name = "frame-%d.f32" % index
        frame.astype("<f4").tofile(os.path.join(out_dir, name))
        listing.append({"file": name, "height": frame.shape[1], "width": frame.shape[2]})
    with open(os.path.join(out_dir, "frames.json"), "w") as file:
        json.dump(listing, file)

    reference = []
    with torch.no_grad():
        for frame in frames:
            output = wrapped([torch.from_numpy(frame)])[0]
            reference.append({key: value.tolist() for key, value in output.items()})
    with open(os.path.join(out_dir, "reference.json"), "w") as file:
        json.dump(reference, file)


if __name__ == "__main__":
    main()
