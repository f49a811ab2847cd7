#!/usr/bin/python3
"""Export torchvision's Keypoint R-CNN (ResNet-50 FPN) for the `detect` stage: TorchScript for
`runtime: libtorch`, ONNX for `runtime: openvino`.

Run with Debian's interpreter (python3-torch, python3-torchvision 0.14):

    /usr/bin/python3 examples/export_keypoint_rcnn.py --output models/keypointrcnn.pt
    /usr/bin/python3 examples/export_keypoint_rcnn.py --weights keypointrcnn_coco.pth --output m.pt
    /usr/bin/python3 examples/export_keypoint_rcnn.py --random-init --tiny --output tiny.pt
    /usr/bin/python3 examples/export_keypoint_rcnn.py --output models/keypointrcnn.onnx   # ONNX, by suffix

Weights: COCO weights are downloaded by torchvision (once, into its cache) unless `--weights FILE`
gives a state dict; `--random-init` exports random weights instead and says so loudly. A random
model scores every box about equally, so its export sets the box score threshold to 0 and caps the
detections per frame, or it would detect nothing.

The exported module's `forward(List[Tensor])` takes CHW RGB float tensors in [0, 1] and returns a
list of dicts with torchvision's keys (`boxes, labels, scores, keypoints, keypoints_scores`) plus
`embeddings` ([N, 1024], the box head's RoI feature of each detection) and `frame_embedding` ([256],
the mean over FPN levels of each level's global average), all from one forward pass.
`--no-embeddings` exports torchvision's own scripted model instead, which returns a
`(losses, detections)` tuple.

The ONNX export (`--format onnx`, the default for an `.onnx` output) is traced from the same
module, one image at a time: input `image` [3, H, W] (H and W dynamic), outputs `boxes, labels,
scores, keypoints, keypoints_scores, embeddings, frame_embedding` with the same values.
"""

import argparse
import os
import sys
import warnings
from typing import Dict, List

import torch
from torch import Tensor, nn
from torchvision.models.detection import KeypointRCNN_ResNet50_FPN_Weights, keypointrcnn_resnet50_fpn

TINY = {"min_size": 128, "max_size": 224, "detections": 5, "rpn_pre_nms_top_n": 100, "rpn_post_nms_top_n": 50}


class KeypointRCNNWithEmbeddings(nn.Module):
    """Keypoint R-CNN's inference path, also returning RoI and frame embeddings."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.transform = model.transform
        self.backbone = model.backbone
        self.rpn = model.rpn
        self.roi_heads = model.roi_heads

    def forward(self, images: List[Tensor]) -> List[Dict[str, Tensor]]:
        original_sizes: List[List[int]] = [[int(img.shape[-2]), int(img.shape[-1])] for img in images]
        batch, _ = self.transform(images, None)
        features = self.backbone(batch.tensors)
        proposals, _ = self.rpn(batch, features, None)
        detections, _ = self.roi_heads(features, proposals, batch.image_sizes, None)

        boxes = [d["boxes"] for d in detections]
        roi_features = self.roi_heads.box_roi_pool(features, boxes, batch.image_sizes)
        embeddings = self.roi_heads.box_head(roi_features).split([b.shape[0] for b in boxes])
        level_means = [f.mean(dim=(2, 3)) for f in features.values()]
        frame_embeddings = torch.stack(level_means, dim=0).mean(dim=0)

        image_sizes: List[tuple[int, int]] = batch.image_sizes
        original: List[tuple[int, int]] = [(s[0], s[1]) for s in original_sizes]
        detections = self.transform.postprocess(detections, image_sizes, original)
        for index, detection in enumerate(detections):
            detection["embeddings"] = embeddings[index]
            detection["frame_embedding"] = frame_embeddings[index]
        return detections


ONNX_OUTPUTS = ["boxes", "labels", "scores", "keypoints", "keypoints_scores", "embeddings", "frame_embedding"]


class KeypointRCNNForONNX(KeypointRCNNWithEmbeddings):
    """The same pass on one image, traceable: image sizes stay tensors (no `int()`), so the exported
    graph resizes any frame size, and the outputs are a tuple in `ONNX_OUTPUTS` order."""

    def forward(self, image: Tensor):  # type: ignore[override]
        original = image.shape[-2:]
        batch, _ = self.transform([image], None)
        features = self.backbone(batch.tensors)
        proposals, _ = self.rpn(batch, features, None)
        detections, _ = self.roi_heads(features, proposals, batch.image_sizes, None)
        roi_features = self.roi_heads.box_roi_pool(features, [detections[0]["boxes"]], batch.image_sizes)
        embeddings = self.roi_heads.box_head(roi_features)
        frame_embedding = torch.stack([f.mean(dim=(2, 3)) for f in features.values()], dim=0).mean(dim=0)[0]
        detection = self.transform.postprocess(detections, batch.image_sizes, [(original[0], original[1])])[0]
        return (detection["boxes"], detection["labels"], detection["scores"], detection["keypoints"],
                detection["keypoints_scores"], embeddings, frame_embedding)


def export_onnx(model: nn.Module, output: str, height: int = 540, width: int = 960) -> None:
    """Traces `model` (torchvision's KeypointRCNN) on one random `height` x `width` frame and writes
    ONNX (opset 13) to `output`, through a `.partial` file so that a killed export leaves none."""
    module = KeypointRCNNForONNX(model).eval()
    per_detection = {name: [0] for name in ONNX_OUTPUTS if name != "frame_embedding"}
    partial = output + ".partial"
    generator = torch.Generator().manual_seed(0)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's warnings about torchvision's Python-side sizes
        torch.onnx.export(module, (torch.rand(3, height, width, generator=generator),), partial, opset_version=13,
                          input_names=["image"], output_names=ONNX_OUTPUTS,
                          dynamic_axes={"image": [1, 2], **per_detection})
    os.replace(partial, output)


def build_model(args: argparse.Namespace) -> nn.Module:
    options = {
        "weights": None,
        "weights_backbone": None,  # never let torchvision download anything here
        "min_size": args.min_size,
        "max_size": args.max_size,
        "box_detections_per_img": args.detections,
        "rpn_pre_nms_top_n_test": args.rpn_pre_nms_top_n,
        "rpn_post_nms_top_n_test": args.rpn_post_nms_top_n,
    }
    if args.score_threshold is not None:
        options["box_score_thresh"] = args.score_threshold
    if args.random_init:
        torch.manual_seed(args.seed)
    model = keypointrcnn_resnet50_fpn(**options)
    if not args.random_init:
        if args.weights:
            state = torch.load(args.weights, map_location="cpu")
        else:
            state = KeypointRCNN_ResNet50_FPN_Weights.COCO_V1.get_state_dict(progress=True)
        model.load_state_dict(state)
    return model.eval()


def parse_arguments(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Export Keypoint R-CNN ResNet-50 FPN to TorchScript or ONNX.")
    parser.add_argument("--output", required=True, help="The model file to write.")
    parser.add_argument("--format", choices=["torchscript", "onnx"],
                        help="torchscript (runtime libtorch) or onnx (runtime openvino); default: onnx for an "
                             "'.onnx' output, else torchscript.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--weights", help="COCO state dict file (default: download torchvision's COCO_V1).")
    source.add_argument("--random-init", action="store_true", help="Random weights: for tests and benchmarks only.")
    parser.add_argument("--seed", type=int, default=0, help="Seed for --random-init (default 0).")
    parser.add_argument("--tiny", action="store_true",
                        help="Small and fast: min_size 128, max_size 224, 5 detections, 100/50 RPN proposals.")
    parser.add_argument("--min-size", type=int, help="Shorter image side after resizing (default 800).")
    parser.add_argument("--max-size", type=int, help="Longer side cap after resizing (default 1333).")
    parser.add_argument("--detections", type=int, help="Detections per frame (default 100; 10 with --random-init).")
    parser.add_argument("--score-threshold", type=float,
                        help="Box score threshold (default 0.05; 0 with --random-init).")
    parser.add_argument("--rpn-pre-nms-top-n", type=int, help="RPN proposals before NMS per level (default 1000).")
    parser.add_argument("--rpn-post-nms-top-n", type=int, help="RPN proposals after NMS (default 1000).")
    parser.add_argument("--no-embeddings", action="store_true",
                        help="Export torchvision's plain scripted model (returns (losses, detections)).")
    args = parser.parse_args(argv)

    defaults = {"min_size": 800, "max_size": 1333, "detections": 100, "rpn_pre_nms_top_n": 1000,
                "rpn_post_nms_top_n": 1000}
    if args.random_init:
        defaults["detections"] = 10
        if args.score_threshold is None:
            args.score_threshold = 0.0
    if args.tiny:
        defaults.update(TINY)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.format is None:
        args.format = "onnx" if args.output.endswith(".onnx") else "torchscript"
    if args.format == "onnx" and args.no_embeddings:
        parser.error("--no-embeddings exports torchvision's scripted model, which has no ONNX form here")
    return args


def main(argv: List[str]) -> int:
    args = parse_arguments(argv)
    if args.random_init:
        print("WARNING: exporting Keypoint R-CNN with RANDOM weights (seed %d): its detections are "
              "meaningless; use it only for tests and benchmarks." % args.seed, file=sys.stderr)
    model = build_model(args)
    if args.format == "onnx":
        export_onnx(model, args.output)
    else:
        module = model if args.no_embeddings else KeypointRCNNWithEmbeddings(model)
        torch.jit.script(module).save(args.output)
    print("wrote %s (%s, min_size %d, max_size %d, %d detections, score threshold %s, %s)" % (
        args.output, args.format, args.min_size, args.max_size, args.detections,
        "default" if args.score_threshold is None else args.score_threshold,
        "random weights" if args.random_init else "COCO weights"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
