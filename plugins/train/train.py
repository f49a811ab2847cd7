#!/usr/bin/python3
"""orchestrate external plugin `train`: fine-tunes detect's Keypoint R-CNN on labelled frames.

Protocol (docs/plugins.md): one JSON request on stdin; JSON lines on stdout; exit 0 on success,
anything else on failure with the reason on stderr. docs/stages/train.md describes the stage.

The starting model is the TorchScript file `detect` runs. Its scripted submodules (transform,
backbone, RPN, RoI heads) keep torchvision's training code, so this trains the loaded module
itself through a small scripted wrapper that returns the losses, and saves that module again:
the result has exactly the starting model's architecture, outputs and embeddings, whatever model
it was (the committed stand-in, a full-size export, a model of an earlier round).
"""
import json
import os
import sys
from pathlib import Path
from typing import Dict, List

# Idle OpenMP threads sleep instead of spinning (read when torch loads; results are unchanged).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
import torchvision  # noqa: E402,F401  (registers torchvision's operators the scripted model calls)
from PIL import Image  # noqa: E402
from torch import Tensor, nn  # noqa: E402

CHECKPOINT_FILE = "checkpoint.pt"


class InputError(Exception):
    """Bad labels, images, model or device: the message names the file, the image or annotation id and the field."""


def emit(message):
    sys.stdout.write(json.dumps(message, sort_keys=True) + "\n")
    sys.stdout.flush()


# ---- labels ----------------------------------------------------------------------------------

def annotation_files(inputs, name):
    """Every file called `name` under the upstream output directories, in path order."""
    found = []
    for stage in sorted(inputs):
        for folder, directories, files in os.walk(inputs[stage], followlinks=True):
            directories.sort()
            if name in files:
                found.append(Path(folder) / name)
    return found


def image_path(coco_file, file_name):
    """The image `file_name` of `coco_file`: beside it, else in `frames/` beside it (export's layout)."""
    for candidate in (coco_file.parent / file_name, coco_file.parent / "frames" / file_name):
        if candidate.is_file():
            return candidate
    return None


def load_image(path):
    """CHW RGB float tensor in [0, 1]."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        data = torch.frombuffer(bytearray(rgb.tobytes()), dtype=torch.uint8)
        return data.view(rgb.height, rgb.width, 3).permute(2, 0, 1).float() / 255.0


def read_labelled_frames(coco_file, keypoint_count):
    """[(image tensor, target)] of the images of `coco_file` with at least one labelled person.

    Checks the COCO keypoints fields a training needs and raises InputError naming the file, the
    id and the field of the first problem.
    """
    try:
        document = json.loads(coco_file.read_text())
    except (OSError, ValueError) as error:
        raise InputError(f"{coco_file}: not a readable JSON file: {error}")
    if not isinstance(document, dict) or not isinstance(document.get("images"), list) \
            or not isinstance(document.get("annotations"), list):
        raise InputError(f"{coco_file}: not COCO keypoints: expected an object with 'images' and 'annotations' lists")
    images = {}
    for image in document["images"]:
        if not isinstance(image, dict) or not isinstance(image.get("file_name"), str) or "id" not in image:
            raise InputError(f"{coco_file}: an image without 'id' and 'file_name': {json.dumps(image)[:120]}")
        images[image["id"]] = image
    people = {}
    for annotation in document["annotations"]:
        where = f"{coco_file}: annotation {annotation.get('id')} (image {annotation.get('image_id')})"
        if annotation.get("image_id") not in images:
            raise InputError(f"{where}: 'image_id' names no image of the file")
        if annotation.get("iscrowd", 0):
            continue
        box, keypoints = annotation.get("bbox"), annotation.get("keypoints")
        if not isinstance(box, list) or len(box) != 4 or not all(isinstance(v, (int, float)) for v in box) \
                or box[2] <= 0 or box[3] <= 0:
            raise InputError(f"{where}: 'bbox' must be [x, y, width, height] with a positive size, got {box}")
        if not isinstance(keypoints, list) or len(keypoints) != 3 * keypoint_count \
                or not all(isinstance(v, (int, float)) for v in keypoints):
            count = len(keypoints) / 3 if isinstance(keypoints, list) else 0
            raise InputError(f"{where}: 'keypoints' holds {count:g} points, the model predicts {keypoint_count} "
                             f"([x, y, visibility] each)")
        if any(v not in (0, 1, 2) for v in keypoints[2::3]):
            raise InputError(f"{where}: 'keypoints' visibility must be 0, 1 or 2, got {sorted(set(keypoints[2::3]))}")
        people.setdefault(annotation["image_id"], []).append(annotation)

    frames = []
    for image_id, image in images.items():
        persons = people.get(image_id)
        if not persons:
            continue
        path = image_path(coco_file, image["file_name"])
        if path is None:
            raise InputError(f"{coco_file}: image {image_id} '{image['file_name']}': no such file beside it or in frames/")
        tensor = load_image(path)
        size = (image.get("width"), image.get("height"))
        if size != (None, None) and size != (tensor.shape[2], tensor.shape[1]):
            raise InputError(f"{coco_file}: image {image_id} '{image['file_name']}': 'width'/'height' say "
                             f"{size[0]}x{size[1]}, the file is {tensor.shape[2]}x{tensor.shape[1]}")
        boxes = torch.tensor([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]]
                              for a in persons], dtype=torch.float32)
        keypoints = torch.tensor([a["keypoints"] for a in persons], dtype=torch.float32).view(-1, keypoint_count, 3)
        frames.append((tensor, {"boxes": boxes, "labels": torch.ones(len(persons), dtype=torch.int64),
                                "keypoints": keypoints}))
    return frames


# ---- the model -------------------------------------------------------------------------------

class TrainingStep(nn.Module):
    """The losses of the starting model's own (scripted) modules: torchvision's training path."""

    def __init__(self, model):
        super().__init__()
        self.transform = model.transform
        self.backbone = model.backbone
        self.rpn = model.rpn
        self.roi_heads = model.roi_heads

    def forward(self, images: List[Tensor], targets: List[Dict[str, Tensor]]) -> Dict[str, Tensor]:
        batch, resized = self.transform(images, targets)
        features = self.backbone(batch.tensors)
        proposals, proposal_losses = self.rpn(batch, features, resized)
        _, head_losses = self.roi_heads(features, proposals, batch.image_sizes, resized)
        losses: Dict[str, Tensor] = {}
        for name, value in proposal_losses.items():
            losses[name] = value
        for name, value in head_losses.items():
            losses[name] = value
        return losses


def load_model(path, device):
    try:
        return torch.jit.load(str(path), map_location=device)
    except Exception as error:  # torch raises RuntimeError, ValueError, … for files that are not TorchScript
        raise InputError(f"{path}: cannot load the starting model as TorchScript: {str(error).splitlines()[0]}")


def keypoint_count(model, path):
    """The joints the model predicts (its keypoint predictor's output channels)."""
    try:
        return int(model.roi_heads.keypoint_predictor.kps_score_lowres.weight.shape[1])
    except AttributeError:
        raise InputError(f"{path}: not a Keypoint R-CNN in detect's contract (no roi_heads.keypoint_predictor)")


def training_mode(model):
    """Train mode, with batch norm statistics frozen: a few labelled frames must not rewrite them."""
    model.train()
    for _, module in model.named_modules():
        if module.original_name == "BatchNorm2d":
            module.eval()


# ---- audit -----------------------------------------------------------------------------------

def audit_scores(model, audit_file, count, device):
    """COCO box and keypoint AP (pycocotools) of `model` on the labelled audit set."""
    import contextlib
    import io
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    document = json.loads(audit_file.read_text())
    frames = read_labelled_frames(audit_file, count)  # validates the file and finds its images
    ids = [image["id"] for image in document["images"]]
    results = []
    model.eval()
    with torch.no_grad():
        for image in document["images"]:
            path = image_path(audit_file, image["file_name"])
            if path is None:
                raise InputError(f"{audit_file}: image {image['id']} '{image['file_name']}': no such file")
            output = model([load_image(path).to(device)])[0]
            for box, score, points in zip(output["boxes"].tolist(), output["scores"].tolist(),
                                          output["keypoints"].tolist()):
                results.append({"image_id": image["id"], "category_id": 1, "score": score,
                                "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]],
                                "keypoints": [v for x, y, _ in points for v in (x, y, 1)]})
    truth = dict(document)
    truth.setdefault("categories", [{"id": 1, "name": "person"}])
    for annotation in truth["annotations"]:
        annotation.setdefault("area", annotation["bbox"][2] * annotation["bbox"][3])
        annotation.setdefault("iscrowd", 0)
        annotation.setdefault("num_keypoints", sum(1 for v in annotation["keypoints"][2::3] if v > 0))
    scores = {"images": len(ids), "people": sum(len(t["boxes"]) for _, t in frames)}
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = truth
        coco.createIndex()
        for kind, name in (("bbox", "box"), ("keypoints", "keypoint")):
            if not results:
                scores.update({f"{name}_ap": 0.0, f"{name}_ap50": 0.0})
                continue
            evaluation = COCOeval(coco, coco.loadRes(results), kind)
            evaluation.params.imgIds = sorted(ids)
            evaluation.evaluate()
            evaluation.accumulate()
            evaluation.summarize()
            # pycocotools reports -1 for "no such objects".
            scores.update({f"{name}_ap": max(0.0, float(evaluation.stats[0])),
                           f"{name}_ap50": max(0.0, float(evaluation.stats[1]))})
    return scores


# ---- training --------------------------------------------------------------------------------

def last_checkpoint(request):
    """The newest committed unit's checkpoint file, or None."""
    units = sorted(request.get("checkpoints") or [], key=lambda unit: unit["cursor"])
    return Path(units[-1]["path"]) / CHECKPOINT_FILE if units else None


def save_checkpoint(request, model, optimizer, order, step, history):
    """Writes the full training state into a new folder of checkpoint_dir and asks the engine to commit it."""
    folder = Path(request["checkpoint_dir"]) / f"step-{step}"
    folder.mkdir(parents=True)
    torch.save({"model": {k: v.cpu() for k, v in model.state_dict().items()}, "optimizer": optimizer.state_dict(),
                "order": order.get_state(), "torch": torch.get_rng_state(), "step": step, "loss": history},
               folder / CHECKPOINT_FILE)
    emit({"checkpoint": {"cursor": step, "path": folder.name}})


def train(request):
    params = request["params"]
    device = params["device"]
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda': this PyTorch has no CUDA device (torch.cuda.is_available() is false)")
    torch.set_num_threads(params["threads"] or os.cpu_count())
    # The interpreter without profiling or fusion: the same arithmetic on every step, so a resumed
    # process computes exactly what an uninterrupted one would have.
    torch._C._set_graph_executor_optimize(False)

    model_path = Path(request["pipeline_dir"]) / params["model"]
    model = load_model(model_path, device)
    count = keypoint_count(model, model_path)
    files = annotation_files(request["inputs"], params["annotations"])
    if not files:
        raise InputError(f"no '{params['annotations']}' in the outputs of the upstream stages "
                         f"{', '.join(sorted(request['inputs'])) or '(none)'}: add the stage that writes the labels to 'needs'")
    frames = [frame for file in files for frame in read_labelled_frames(file, count)]
    if not frames:
        raise InputError(f"{', '.join(map(str, files))}: no image has a labelled person")
    people = sum(len(target["boxes"]) for _, target in frames)
    emit({"log": f"train: {len(frames)} labelled frames, {people} people, from {len(files)} file(s)"})

    audit_file = Path(request["pipeline_dir"]) / params["audit"] if params["audit"] else None
    start_scores = audit_scores(model, audit_file, count, device) if audit_file else None

    torch.manual_seed(params["seed"])
    order = torch.Generator().manual_seed(params["seed"])
    step_losses = torch.jit.script(TrainingStep(model))
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(trainable, lr=params["learning_rate"], momentum=0.9, weight_decay=1e-4)
    step, history = 0, []
    checkpoint = last_checkpoint(request)
    if checkpoint:
        state = torch.load(checkpoint, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        order.set_state(state["order"])
        torch.set_rng_state(state["torch"])
        step, history = state["step"], state["loss"]
        emit({"log": f"train: resuming from the checkpoint of step {step}"})

    steps = params["steps"]
    training_mode(model)
    emit({"progress": {"completed": step, "total": steps, "unit": "steps"}})
    while step < steps:
        picks = torch.randint(len(frames), (params["batch_size"],), generator=order).tolist()
        losses = step_losses([frames[i][0].to(device) for i in picks],
                             [{k: v.to(device) for k, v in frames[i][1].items()} for i in picks])
        loss = sum(losses.values())
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 10.0)
        optimizer.step()
        step += 1
        history.append({"step": step, "loss": loss.item(), **{k: v.item() for k, v in sorted(losses.items())}})
        emit({"progress": {"completed": step, "total": steps, "unit": "steps"}})
        if step % params["checkpoint_every"] == 0 and step < steps:
            save_checkpoint(request, model, optimizer, order, step, history)

    model.eval()
    model.to("cpu")  # detect loads it on any device
    output = Path(request["output_dir"])
    torch.jit.save(model, str(output / "model.pt"))
    metrics = {"labelled_frames": len(frames), "labelled_people": people, "steps": steps, "seed": params["seed"],
               "loss": history}
    if audit_file:
        metrics["audit"] = {"start": start_scores, "trained": audit_scores(model, audit_file, count, "cpu")}
    (output / "metrics.json").write_text(json.dumps(metrics, sort_keys=True, indent=1) + "\n")
    emit({"outputs": ["model.pt", "metrics.json"]})


def project_python():
    """The project's venv interpreter (scripts/setup.sh installs pycocotools there), if there is one."""
    python = Path(os.path.realpath(__file__)).parents[2] / ".venv" / "bin" / "python"
    in_it = Path(sys.prefix).resolve() == python.parents[1].resolve()
    return python if python.is_file() and not in_it else None


def main():
    request = json.load(sys.stdin)
    if request["params"].get("audit"):
        try:
            import pycocotools  # noqa: F401
        except ImportError:
            python = project_python()
            if python is None:
                sys.stderr.write("train: 'audit' needs pycocotools: run scripts/setup.sh (it installs it in .venv)\n")
                return 1
            import subprocess
            return subprocess.run([str(python), os.path.realpath(__file__)], input=json.dumps(request).encode()).returncode
    try:
        train(request)
    except InputError as error:
        sys.stderr.write(f"train: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
