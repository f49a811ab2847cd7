#!/usr/bin/env python3
"""Selection quality against ground truth (bench/selection-quality/run.sh).

For generated clips with their `<clip>.json` ground truth (COCO keypoints, examples/generate_clips.py)
and budgets of 1 %, 2 % and 5 % of the frames, runs the pickers people use today and this project's
selection configs, and scores every selection against the truth:

- coverage: per true pose of the datasource (joints with visibility > 0, centred on their mean,
  divided by the square root of the box area), the mean joint distance to the nearest true pose in
  the selected frames over the joints both show; the mean and the largest of these;
- rare actions: the share of action classes with at least one selected instance;
- balance error: the mean over videos of |selected share - frame share|;
- object frequency: the mean over the selection of the tutorial's object_frequency score.

Then, sampling before detection priced: per decode sampling setting (decode's own FrameSampler,
bench/detect/main.swift), the detector calls (frames kept) against the tutorial config's mean
coverage when it selects among the kept frames only, scored against all true poses.

Usage: quality.py CLIPS_DIR SELECTION_BENCH_BINARY SAMPLING_COUNT_BINARY > results.md
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

BUDGETS = [0.01, 0.02, 0.05]
RANDOM_SEEDS = 20
# Decode sampling settings priced (decode parameters joined by '+'); the first keeps every frame.
SAMPLINGS = ["every=1", "every=2", "every=3", "every=4", "every=6", "dedup_threshold=0.25", "dedup_threshold=1",
             "every=3+dedup_threshold=0.25"] + [f"change_threshold={t}+max_gap={g}" for t in (0.5, 1, 1.5, 2) for g in (6, 12)]
PRICED_CONFIG = "tutorial config"


def load(clips):
    """Frames in video order: dicts with name, video, index, people (keypoints, bbox, action)."""
    frames = []
    for path in sorted(Path(clips).glob("*.json")):
        coco = json.loads(path.read_text())
        people = {}
        for annotation in coco["annotations"]:
            people.setdefault(annotation["image_id"], []).append(annotation)
        for image in sorted(coco["images"], key=lambda image: image["id"]):
            frames.append({"name": image["file_name"], "video": path.stem, "index": image["id"],
                           "people": [{"keypoints": a["keypoints"], "bbox": a["bbox"], "action": a["action"]}
                                      for a in people.get(image["id"], [])]})
    return frames


def normalised(person):
    """(17, 2) joints centred and scaled, NaN where not visible; None without a visible joint."""
    points = np.array(person["keypoints"], dtype=float).reshape(-1, 3)
    visible = points[:, 2] > 0
    if not visible.any():
        return None
    joints = np.full((len(points), 2), np.nan)
    centre = points[visible, :2].mean(axis=0)
    scale = max(np.sqrt(person["bbox"][2] * person["bbox"][3]), 1.0)
    joints[visible] = (points[visible, :2] - centre) / scale
    return joints


class Truth:
    def __init__(self, frames):
        self.frames = frames
        poses, owner = [], []
        for index, frame in enumerate(frames):
            for person in frame["people"]:
                pose = normalised(person)
                if pose is not None:
                    poses.append(pose)
                    owner.append(index)
        self.poses = np.array(poses)              # (P, 17, 2)
        self.owner = np.array(owner)              # frame of each pose
        self.videos = sorted({f["video"] for f in frames})
        self.actions = sorted({p["action"] for f in frames for p in f["people"]})
        self.frequency = object_frequency(frames)

    def coverage(self, selected):
        chosen = self.poses[np.isin(self.owner, selected)]
        if len(chosen) == 0:
            return float("nan"), float("nan")
        best = np.full(len(self.poses), np.inf)
        for pose in chosen:
            distance = np.linalg.norm(self.poses - pose, axis=2)          # (P, 17), NaN where hidden
            both = ~np.isnan(distance)
            counts = both.sum(axis=1)
            mean = np.where(counts > 0, np.nansum(distance, axis=1) / np.maximum(counts, 1), np.inf)
            best = np.minimum(best, mean)
        best[np.isinf(best)] = 1.0
        return float(best.mean()), float(best.max())

    def scores(self, selected):
        mean, largest = self.coverage(selected)
        seen = {p["action"] for i in selected for p in self.frames[i]["people"]}
        total = len(self.frames)
        shares = [abs(sum(self.frames[i]["video"] == v for i in selected) / len(selected)
                      - sum(f["video"] == v for f in self.frames) / total) for v in self.videos]
        return {"coverage_mean": mean, "coverage_max": largest,
                "rare_actions": len(seen & set(self.actions)) / len(self.actions),
                "balance_error": float(np.mean(shares)),
                "object_frequency": float(np.mean([self.frequency[i] for i in selected]))}


def object_frequency(frames):
    """The tutorial's object_frequency (one label: 1 + 0.25 per further box, mapped to [0.9, 1])."""
    sums = np.array([1 + 0.25 * (len(f["people"]) - 1) if f["people"] else 0.0 for f in frames])
    low, high = sums.min(), sums.max()
    return np.ones_like(sums) if high == low else 0.9 + 0.1 * (sums - low) / (high - low)


# Image features, decoded once per clip with the ffmpeg CLI.

def grey_frames(clips, frames, width):
    """Greyscale frames scaled to `width` pixels wide, flattened, in the order of `frames`."""
    rows = []
    for video in sorted({f["video"] for f in frames}):
        path = Path(clips) / f"{video}.mp4"
        probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                "stream=width,height", "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True)
        w, h = (int(x) for x in probe.stdout.strip().split(","))
        height = max(2, round(h * width / w))
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"scale={width}:{height}",
                              "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
        pictures = np.frombuffer(raw, dtype=np.uint8).reshape(-1, width * height).astype(np.float32) / 255
        indices = [f["index"] for f in frames if f["video"] == video]
        rows.extend(pictures[indices])
    return np.array(rows)


def kmeans(points, k, seed, iterations=30):
    """Lloyd's k-means with k-means++ seeding; returns the labels."""
    rng = np.random.default_rng(seed)
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        distances = np.min([((points - c) ** 2).sum(axis=1) for c in centres], axis=0)
        centres.append(points[rng.choice(len(points), p=distances / distances.sum())] if distances.sum() > 0
                       else points[rng.integers(len(points))])
    centres = np.array(centres)
    for _ in range(iterations):
        labels = ((points[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
        for c in range(k):
            if (labels == c).any():
                centres[c] = points[labels == c].mean(axis=0)
    return labels, centres


def deeplabcut_kmeans(pixels, k, seed=0):
    """DeepLabCut's extract_frames 'kmeans': 30-px greyscale frames clustered, one random frame per cluster."""
    labels, _ = kmeans(pixels, k, seed)
    rng = np.random.default_rng(seed)
    return [int(rng.choice(np.flatnonzero(labels == c))) for c in range(k) if (labels == c).any()]


def sleap_features(pixels, components=20):
    centred = pixels - pixels.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:components].T


def sleap_kmeans(features, k, seed=0):
    """SLEAP's image-feature suggestions: PCA of the frames, k-means, the frame nearest each centre."""
    labels, centres = kmeans(features, k, seed)
    picks = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members):
            picks.append(int(members[((features[members] - centres[c]) ** 2).sum(axis=1).argmin()]))
    return picks


def fiftyone_uniqueness(features, k):
    """FiftyOne Brain's uniqueness: weighted distance to the 3 nearest neighbours; the k most unique."""
    unit = features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)
    distances = np.sqrt(np.maximum(((unit[:, None] - unit[None]) ** 2).sum(axis=2), 0))
    np.fill_diagonal(distances, np.inf)
    nearest = np.sort(distances, axis=1)[:, :3]
    uniqueness = nearest @ np.array([0.6, 0.3, 0.1])
    return [int(i) for i in np.argsort(-uniqueness, kind="stable")[:k]]


# This project's configs, run by SelectionBench's quality mode.

def configs(truth, count):
    share = {v: 1 / len(truth.videos) for v in truth.videos}
    diversity = {"input": {"type": "EMBEDDINGS", "task": "pose"}, "strategy": {"type": "DIVERSITY"}}
    weights = [{"input": {"type": "SCORES", "task": "pose", "score": s}, "strategy": {"type": "WEIGHTS"}}
               for s in ("object_frequency", "objectness_least_confidence")]
    balance = {"input": {"type": "METADATA", "key": "video_name"}, "strategy": {"type": "BALANCE", "target": share}}
    return {
        "tutorial config": [diversity] + weights + [balance],
        "tutorial without WEIGHTS": [diversity, balance],
        "object DIVERSITY alone": [diversity],
        "tutorial + temporal_inconsistency": [diversity] + weights + [balance, {
            "input": {"type": "SCORES", "task": "pose", "score": "temporal_inconsistency"}, "strategy": {"type": "WEIGHTS"}}],
        "tutorial + min_frame_gap 10": ([diversity] + weights + [balance], {"min_frame_gap": 10}),
    }


def project_picks(bench, truth, counts, names=None, subset=None):
    """{"name@count": global frame indices} of this project's configs (all, or `names`), run by
    SelectionBench on all frames or on the frames `subset` (global indices, in order) only."""
    subset = list(range(len(truth.frames))) if subset is None else subset
    jobs = []
    for count in counts:
        for name, strategies in configs(truth, count).items():
            if names and name not in names:
                continue
            constraints = None
            if isinstance(strategies, tuple):
                strategies, constraints = strategies
            config = {"n_samples": count, "strategies": strategies}
            if constraints:
                config["constraints"] = constraints
            jobs.append({"name": f"{name}@{count}", "config": config})
    frames = [{k: f[k] for k in ("name", "video", "index")} | {"people": [{"keypoints": p["keypoints"], "bbox": p["bbox"]}
                                                                          for p in f["people"]]}
              for f in (truth.frames[i] for i in subset)]
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "input.json"), Path(folder, "picks.json")
        source.write_text(json.dumps({"frames": frames, "configs": jobs}))
        subprocess.run([bench], env=dict(os.environ, BENCH_QUALITY_INPUT=str(source), BENCH_QUALITY_OUTPUT=str(target)), check=True)
        return {name: [subset[i] for i in picks] for name, picks in json.loads(target.read_text()).items()}


def kept_frames(clips, truth, sampler):
    """{option: global indices of the frames decode keeps} for every SAMPLINGS option."""
    first = {}
    for index, frame in enumerate(truth.frames):
        first.setdefault(frame["video"], index)
    kept = {option: [] for option in SAMPLINGS}
    for video in truth.videos:
        lines = subprocess.run([sampler, str(Path(clips) / f"{video}.mp4"), *SAMPLINGS], capture_output=True, text=True,
                               check=True).stdout.splitlines()
        for line in lines:
            result = json.loads(line)
            kept[result["option"]] += [first[video] + i for i in result["indices"]]
    return kept


def sampling_table(clips, bench, sampler, truth, counts):
    """Markdown: per sampling setting, detector calls against the priced config's mean coverage."""
    kept = kept_frames(clips, truth, sampler)
    coverage = {}
    for option in SAMPLINGS:
        picks = project_picks(bench, truth, counts, names=[PRICED_CONFIG], subset=kept[option])
        coverage[option] = [truth.coverage(picks[f"{PRICED_CONFIG}@{count}"])[0] for count in counts]
    baseline = coverage[SAMPLINGS[0]]
    lines = ["| decode sampling | detector calls | fewer calls | " + " | ".join(
                 f"coverage mean at {b:.0%} (loss)" for b in BUDGETS) + " | mean loss |",
             "|---|---:|---:|" + "---|" * len(BUDGETS) + "---:|"]
    for option in SAMPLINGS:
        losses = [c / b - 1 for c, b in zip(coverage[option], baseline)]
        cells = [f"{c:.4f} ({loss:+.0%})" for c, loss in zip(coverage[option], losses)]
        lines.append(f"| `{option.replace('+', ', ')}` | {len(kept[option])} | {len(truth.frames) / len(kept[option]):.1f}× | "
                     + " | ".join(cells) + f" | {np.mean(losses):+.1%} |")
    return "\n".join(lines)


def row(name, results):
    """results: list of score dicts (one for deterministic pickers, one per seed for random)."""
    cells = []
    for key, digits in (("coverage_mean", 4), ("coverage_max", 3), ("rare_actions", 2), ("balance_error", 3),
                        ("object_frequency", 3)):
        values = np.array([r[key] for r in results])
        cells.append(f"{values.mean():.{digits}f}" + (f" ± {values.std(ddof=1):.{digits}f}" if len(values) > 1 else ""))
    return f"| {name} | " + " | ".join(cells) + " |"


def main():
    clips, bench, sampler = sys.argv[1], sys.argv[2], sys.argv[3]
    truth = Truth(load(clips))
    total = len(truth.frames)
    counts = [max(1, round(b * total)) for b in BUDGETS]
    pixels30 = grey_frames(clips, truth.frames, 30)
    features = sleap_features(grey_frames(clips, truth.frames, 64))
    ours = project_picks(bench, truth, counts)
    print(f"{total} frames, {len(truth.poses)} true poses, {len(truth.videos)} videos, actions {', '.join(truth.actions)}.")
    print()
    for budget, count in zip(BUDGETS, counts):
        print(f"**Budget {budget:.0%} ({count} frames).** Coverage: lower is better; rare actions: share of the "
              f"{len(truth.actions)} classes seen; balance error: mean |selected − frame share| over videos.")
        print()
        print("| picker | coverage mean | coverage max | rare actions | balance error | object_frequency |")
        print("|---|---|---|---|---|---|")
        randoms = [truth.scores(list(np.random.default_rng(seed).choice(total, count, replace=False)))
                   for seed in range(RANDOM_SEEDS)]
        print(row(f"random (mean ± sd, {RANDOM_SEEDS} seeds)", randoms))
        print(row("uniform in time", [truth.scores([int((i + 0.5) * total / count) for i in range(count)])]))
        print(row("DeepLabCut k-means, 30-px greyscale", [truth.scores(deeplabcut_kmeans(pixels30, count))]))
        print(row("SLEAP-style image features, PCA, k-means", [truth.scores(sleap_kmeans(features, count))]))
        print(row("FiftyOne-style uniqueness", [truth.scores(fiftyone_uniqueness(features, count))]))
        for name in configs(truth, count):
            print(row(f"this project: {name}", [truth.scores(ours[f"{name}@{count}"])]))
        print()

    print(f"**Sampling before detection.** The {PRICED_CONFIG} selects among the frames decode keeps "
          f"(detector calls); coverage against all {len(truth.poses)} true poses; loss against every frame.")
    print()
    print(sampling_table(clips, bench, sampler, truth, counts))


if __name__ == "__main__":
    main()
