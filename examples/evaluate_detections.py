#!/usr/bin/env python3
"""Compares detections with ground truth and prints COCO metrics (box AP and keypoint AP, OKS).

Ground truth is COCO keypoints, one file per video, named after it (`game.mp4` → `game.json`),
as `examples/generate_clips.py` writes beside its clips; image `id` is the frame index and
`file_name` the frame's Lightly name. Detections are either `detect`'s `detections.json` (one
per video, matched by its `file`) or a Lightly predictions folder (`.lightly/predictions/TASK`,
matched by `file_name`). Only frames that have detections are scored (decode keeps a sample).
Needs pycocotools (`.venv/bin/python`, made by scripts/setup.sh).

    .venv/bin/python examples/evaluate_detections.py --truth pipelines/data/*.json \\
        --detections .orchestrate/out/detect/*/detections.json
    .venv/bin/python examples/evaluate_detections.py --truth pipelines/data/*.json \\
        --predictions pipelines/datasources/volleyball_lightly/.lightly/predictions/keypoint_rcnn_detection
"""
import argparse
import contextlib
import io
import json
import sys
from pathlib import Path

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


class Truth:
    """Several videos' ground truth merged into one COCO dataset, with new image ids."""

    def __init__(self):
        self.dataset = {"images": [], "annotations": [], "categories": None}
        self.by_frame = {}  # (video stem, frame index) -> image id
        self.by_name = {}   # frame file name (no directory) -> image id

    def add(self, video_stem, truth, source="ground truth"):
        """Adds one video's ground truth (a parsed COCO dict)."""
        for key in ("images", "annotations", "categories"):
            if key not in truth:
                raise ValueError(f"{source}: not COCO keypoints: no '{key}'")
        self.dataset["categories"] = self.dataset["categories"] or truth["categories"]
        ids = {}
        for image in truth["images"]:
            ids[image["id"]] = len(self.dataset["images"]) + 1
            self.by_frame[(video_stem, image["id"])] = ids[image["id"]]
            self.by_name[Path(image["file_name"]).name] = ids[image["id"]]
            self.dataset["images"].append(dict(image, id=ids[image["id"]]))
        for annotation in truth["annotations"]:
            self.dataset["annotations"].append(dict(annotation, id=len(self.dataset["annotations"]) + 1,
                                                    image_id=ids[annotation["image_id"]]))

    def add_file(self, path):
        try:
            self.add(Path(path).stem, json.loads(Path(path).read_text()), source=str(path))
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{path}: cannot read ground truth: {error}")

    def coco(self):
        with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
            coco = COCO()
            coco.dataset = self.dataset
            coco.createIndex()
        return coco


def results_from_detections(truth, path):
    """COCO results from one `detections.json`, and the image ids it covers."""
    document = json.loads(Path(path).read_text())
    stem = Path(document["file"]).stem
    results, covered = [], []
    for frame in document["frames"]:
        image_id = truth.by_frame.get((stem, frame["index"]))
        if image_id is None:
            raise ValueError(f"{path}: frame {frame['index']} of '{document['file']}' has no ground truth "
                             f"(is there a {stem}.json with that many frames?)")
        covered.append(image_id)
        for box, score, keypoints in zip(frame["boxes"], frame["scores"], frame["keypoints"]):
            x1, y1, x2, y2 = box
            results.append({"image_id": image_id, "category_id": 1, "score": score,
                            "bbox": [x1, y1, x2 - x1, y2 - y1],
                            "keypoints": [value for point in keypoints for value in (point[0], point[1], 1)]})
    return results, covered


def results_from_predictions(truth, folder):
    """COCO results from a Lightly predictions folder (one file per frame), and the image ids it covers."""
    results, covered = [], []
    for path in sorted(Path(folder).rglob("*.json")):
        if path.name == "schema.json":
            continue
        document = json.loads(path.read_text())
        image_id = truth.by_name.get(Path(document["file_name"]).name)
        if image_id is None:
            raise ValueError(f"{path}: frame '{document['file_name']}' has no ground truth")
        covered.append(image_id)
        for prediction in document["predictions"]:
            keypoints = prediction["keypoints"]
            xs, ys = keypoints[0::3], keypoints[1::3]
            bbox = prediction.get("bbox") or [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
            results.append({"image_id": image_id, "category_id": 1, "score": prediction["score"], "bbox": bbox,
                            "keypoints": [v for x, y in zip(xs, ys) for v in (x, y, 1)]})
    return results, covered


def read(reader, truth, path):
    """`reader(truth, path)`, with any malformed input reported as a ValueError naming `path`."""
    try:
        return reader(truth, path)
    except (KeyError, TypeError, IndexError) as error:
        raise ValueError(f"{path}: not the expected format: missing or malformed {error}")
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: cannot read: {error}")


def evaluate(truth_coco, results, image_ids, verbose=True):
    """COCO box and keypoint metrics over `image_ids`: {"box_ap", "box_ap50", "keypoint_ap", ...}."""
    metrics = {}
    for kind in ("bbox", "keypoints"):
        name = "box" if kind == "bbox" else "keypoint"
        if not results:
            metrics.update({f"{name}_ap": 0.0, f"{name}_ap50": 0.0, f"{name}_ap75": 0.0})
            continue
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            detections = truth_coco.loadRes(results)
            evaluation = COCOeval(truth_coco, detections, kind)
            evaluation.params.imgIds = sorted(set(image_ids))
            evaluation.evaluate()
            evaluation.accumulate()
            evaluation.summarize()
        if verbose:
            print(f"{name} ({kind}):")
            print("\n".join(line for line in output.getvalue().splitlines() if line.startswith(" Average")))
        stats = [max(0.0, float(s)) for s in evaluation.stats]  # pycocotools reports -1 for "no such objects"
        metrics.update({f"{name}_ap": stats[0], f"{name}_ap50": stats[1], f"{name}_ap75": stats[2]})
    return metrics


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--truth", nargs="+", required=True, help="ground-truth COCO files, one per video")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--detections", nargs="+", help="detect's detections.json files")
    source.add_argument("--predictions", help="a Lightly predictions task folder")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON metrics")
    args = parser.parse_args(argv)
    try:
        truth = Truth()
        for path in args.truth:
            truth.add_file(path)
        results, covered = [], []
        for found, ids in ([read(results_from_detections, truth, p) for p in args.detections] if args.detections
                           else [read(results_from_predictions, truth, args.predictions)]):
            results += found
            covered += ids
    except ValueError as error:
        print(f"evaluate_detections: {error}", file=sys.stderr)
        return 1
    if not covered:
        print("evaluate_detections: no frames to score (no detections found)", file=sys.stderr)
        return 1
    print(f"{len(set(covered))} frames, {len(results)} detections")
    metrics = evaluate(truth.coco(), results, covered)
    print(f"box AP {metrics['box_ap']:.3f}, keypoint AP (OKS) {metrics['keypoint_ap']:.3f}")
    if args.json:
        print(json.dumps(dict(metrics, frames=len(set(covered)), detections=len(results)), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
