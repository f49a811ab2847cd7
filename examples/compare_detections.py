#!/usr/bin/env python3
"""Compares one runtime's detections with a reference run's on the same frames: the accuracy gates
of `detect`'s runtimes and precisions (docs/stages/detect.md, "Runtimes").

Both sides are `detect`'s `detections.json` files, paired by their `file`. In each frame, the
candidate's detections are matched to the reference's greedily by box IoU (best pair first, IoU at
least 0.5); over the matched pairs it reports the mean box IoU and the mean and largest keypoint
displacement in pixels, and it counts the detections left unmatched on either side. With
`--truth` (ground-truth COCO files, as for `evaluate_detections.py`) it also scores both sides'
box and keypoint AP with pycocotools on the same frames and reports the differences.

    .venv/bin/python examples/compare_detections.py --reference torch/*/detections.json \\
        --candidate openvino/*/detections.json --truth data/*.json --json
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np


def load(paths):
    """{file: {frame index: frame}} of `detections.json` files."""
    documents = {}
    for path in paths:
        try:
            document = json.loads(Path(path).read_text())
            documents[document["file"]] = {frame["index"]: frame for frame in document["frames"]}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: not a detections.json: {error}")
    return documents


def iou_matrix(a, b):
    a, b = np.asarray(a, dtype=np.float64).reshape(-1, 4), np.asarray(b, dtype=np.float64).reshape(-1, 4)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda boxes: (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])  # noqa: E731
    union = area(a)[:, None] + area(b)[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def match(reference, candidate, threshold=0.5):
    """Greedy pairs (i, j, iou) of reference and candidate boxes, best IoU first."""
    if not reference["boxes"] or not candidate["boxes"]:
        return []
    ious = iou_matrix(reference["boxes"], candidate["boxes"])
    pairs, used_r, used_c = [], set(), set()
    for flat in np.argsort(-ious, axis=None):
        i, j = np.unravel_index(flat, ious.shape)
        if ious[i, j] < threshold:
            break
        if i in used_r or j in used_c:
            continue
        used_r.add(i)
        used_c.add(j)
        pairs.append((int(i), int(j), float(ious[i, j])))
    return pairs


def compare(reference, candidate):
    """The gate metrics of `candidate` against `reference` ({file: {index: frame}} each)."""
    if set(reference) != set(candidate):
        raise ValueError(f"the runs cover different videos: {sorted(reference)} and {sorted(candidate)}")
    ious, displacements = [], []
    frames = reference_count = candidate_count = 0
    for file, reference_frames in reference.items():
        if set(reference_frames) != set(candidate[file]):
            raise ValueError(f"'{file}': the runs cover different frames")
        for index, r in reference_frames.items():
            c = candidate[file][index]
            frames += 1
            reference_count += len(r["boxes"])
            candidate_count += len(c["boxes"])
            for i, j, iou in match(r, c):
                ious.append(iou)
                if r.get("keypoints") and c.get("keypoints"):
                    rk = np.asarray(r["keypoints"][i], dtype=np.float64)[:, :2]
                    ck = np.asarray(c["keypoints"][j], dtype=np.float64)[:, :2]
                    displacements += np.linalg.norm(rk - ck, axis=1).tolist()
    return {
        "frames": frames, "reference_detections": reference_count, "candidate_detections": candidate_count,
        "matched": len(ious), "unmatched": reference_count + candidate_count - 2 * len(ious),
        "mean_box_iou": float(np.mean(ious)) if ious else 0.0,
        "mean_keypoint_displacement": float(np.mean(displacements)) if displacements else 0.0,
        "max_keypoint_displacement": float(np.max(displacements)) if displacements else 0.0,
    }


def average_precisions(truth_paths, detection_paths):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from evaluate_detections import Truth, evaluate, read, results_from_detections
    truth = Truth()
    for path in truth_paths:
        truth.add_file(path)
    results, covered = [], []
    for path in detection_paths:
        found, ids = read(results_from_detections, truth, path)
        results += found
        covered += ids
    return evaluate(truth.coco(), results, covered, verbose=False)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", nargs="+", required=True, help="the reference run's detections.json files")
    parser.add_argument("--candidate", nargs="+", required=True, help="the compared run's detections.json files")
    parser.add_argument("--truth", nargs="+", help="ground-truth COCO files: also score both runs' AP")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON metrics")
    args = parser.parse_args(argv)
    try:
        metrics = compare(load(args.reference), load(args.candidate))
        if args.truth:
            reference = average_precisions(args.truth, args.reference)
            candidate = average_precisions(args.truth, args.candidate)
            for name in ("box_ap", "keypoint_ap"):
                metrics[f"reference_{name}"] = reference[name]
                metrics[f"candidate_{name}"] = candidate[name]
                metrics[f"{name}_difference"] = candidate[name] - reference[name]
    except ValueError as error:
        print(f"compare_detections: {error}", file=sys.stderr)
        return 1
    print(f"{metrics['frames']} frames: {metrics['matched']} matched detections, {metrics['unmatched']} unmatched; "
          f"mean box IoU {metrics['mean_box_iou']:.4f}, keypoint displacement mean "
          f"{metrics['mean_keypoint_displacement']:.3f} px, max {metrics['max_keypoint_displacement']:.2f} px")
    if args.truth:
        print(f"box AP {metrics['reference_box_ap']:.4f} -> {metrics['candidate_box_ap']:.4f}, keypoint AP "
              f"{metrics['reference_keypoint_ap']:.4f} -> {metrics['candidate_keypoint_ap']:.4f}")
    if args.json:
        print(json.dumps(metrics, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
