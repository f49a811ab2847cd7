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

Writes the charts quality-coverage.svg and quality-sampling.svg into CHARTS_DIR.

Usage: quality.py CLIPS_DIR SELECTION_BENCH_BINARY SAMPLING_COUNT_BINARY CHARTS_DIR > results.md
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import charts

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
        self._distances = None

    def coverage(self, selected):
        rows = np.isin(self.owner, selected)
        if not rows.any():
            return float("nan"), float("nan")
        best = self.distances()[rows].min(axis=0)
        best[np.isinf(best)] = 1.0
        return float(best.mean()), float(best.max())

    def distances(self):
        """(P, P) float32: the mean joint distance of two poses over the joints both show, inf
        when they share none; worked out once (every selection is then a row pick)."""
        if self._distances is None:
            visible = ~np.isnan(self.poses[:, :, 0])
            joints = np.nan_to_num(self.poses).astype(np.float32)
            self._distances = np.empty((len(joints), len(joints)), np.float32)
            for start in range(0, len(joints), 32):
                both = visible[start:start + 32, None] & visible[None]                                  # (32, P, 17)
                distance = np.sqrt(((joints[start:start + 32, None] - joints[None]) ** 2).sum(axis=3))
                counts = both.sum(axis=2)
                self._distances[start:start + 32] = np.where(
                    counts > 0, (distance * both).sum(axis=2) / np.maximum(counts, 1), np.inf)
        return self._distances

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
        # |p - c|² = |p|² - 2 p·c + |c|², as one matrix product
        labels = ((centres ** 2).sum(axis=1)[None] - 2 * points @ centres.T).argmin(axis=1)
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
    """The frames' first principal components, from the eigenvectors of the frames' Gram matrix
    (frames × frames: far smaller than pixels × pixels); signs are arbitrary, as an SVD's are."""
    centred = (pixels - pixels.mean(axis=0)).astype(np.float64)
    values, vectors = np.linalg.eigh(centred @ centred.T)
    top = np.argsort(values)[::-1][:components]
    return vectors[:, top] * np.sqrt(np.maximum(values[top], 0))


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
    return "\n".join(lines), [(option, len(kept[option]), float(np.mean([c / b - 1 for c, b in zip(coverage[option], baseline)])))
                              for option in SAMPLINGS]


def row(name, results):
    """results: list of score dicts (one for deterministic pickers, one per seed for random)."""
    cells = []
    for key, digits in (("coverage_mean", 4), ("coverage_max", 3), ("rare_actions", 2), ("balance_error", 3),
                        ("object_frequency", 3)):
        values = np.array([r[key] for r in results])
        cells.append(f"{values.mean():.{digits}f}" + (f" ± {values.std(ddof=1):.{digits}f}" if len(values) > 1 else ""))
    return f"| {name} | " + " | ".join(cells) + " |"


def coverage_chart(curves):
    """Mean coverage against budget per picker; random with its ± sd band."""
    top = max(max(m + sd for m, sd in values) for values in curves.values())
    xs = [b * 100 for b in BUDGETS]
    chart = charts.Chart("Pose coverage by budget (oracle poses; lower is better)", "budget (% of frames)",
                         "coverage mean", (0.5, xs[-1] + 0.3), (0, top * 1.05), y_format="{:.3f}", x_ticks=xs)
    for (name, values), color in zip(curves.items(), charts.PALETTE):
        means = [m for m, _ in values]
        if any(sd for _, sd in values):
            chart.band(xs, [m - sd for m, sd in values], [m + sd for m, sd in values], color)
        chart.line(xs, means, color, name, dashed=not name.startswith("this project"))
    return chart.svg()


def sampling_chart(rows, total):
    """Mean coverage loss against detector calls per decode sampling setting, with the goal's lines."""
    families = {"every": "every N", "dedup_threshold": "dedup_threshold", "every=3+": "every / dedup_threshold",
                "change_threshold": "change_threshold / max_gap (adaptive)"}
    losses = [loss for _, _, loss in rows]
    low, high = min(min(losses), -0.05), max(max(losses), 0.05)
    chart = charts.Chart("Sampling before detection: detector calls against coverage lost", "detector calls (frames kept)",
                         "mean coverage loss (3 budgets)", (0, total * 1.04), (low - 0.02, high + 0.02), y_format="{:+.0%}")
    chart.parts.append(f'<line x1="{chart.x(0):.1f}" y1="{chart.y(0.05):.1f}" x2="{chart.x(total * 1.04):.1f}" y2="{chart.y(0.05):.1f}" '
                       f'stroke="{charts.MUTED}" stroke-dasharray="4,2"/>')
    chart.parts.append(f'<line x1="{chart.x(total / 3):.1f}" y1="{chart.y(low - 0.02):.1f}" x2="{chart.x(total / 3):.1f}" '
                       f'y2="{chart.y(high + 0.02):.1f}" stroke="{charts.MUTED}" stroke-dasharray="4,2"/>')
    chart.text("goal: ≤ 5 % loss", chart.x(total * 1.04) - 4, chart.y(0.05) - 5, size=9, color=charts.MUTED, anchor="end")
    chart.text("goal: ≥ 3× fewer calls", chart.x(total / 3) + 4, chart.y(high + 0.02) + 12, size=9, color=charts.MUTED)
    for (prefix, name), color in zip(families.items(), charts.PALETTE[2:5] + charts.PALETTE[:1]):
        chosen = [r for r in rows if r[0].startswith(prefix) and (prefix != "every" or "+" not in r[0])]
        chart.points([calls for _, calls, _ in chosen], [loss for _, _, loss in chosen], color, name,
                     labels=["/".join(part.split("=")[1] for part in option.split("+")) for option, _, _ in chosen])
    return chart.svg()


def main():
    clips, bench, sampler, charts_folder = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
    truth = Truth(load(clips))
    total = len(truth.frames)
    counts = [max(1, round(b * total)) for b in BUDGETS]
    pixels30 = grey_frames(clips, truth.frames, 30)
    features = sleap_features(grey_frames(clips, truth.frames, 64))
    ours = project_picks(bench, truth, counts)
    print(f"{total} frames, {len(truth.poses)} true poses, {len(truth.videos)} videos, actions {', '.join(truth.actions)}.")
    print()
    curves = {}
    for budget, count in zip(BUDGETS, counts):
        print(f"**Budget {budget:.0%} ({count} frames).** Coverage: lower is better; rare actions: share of the "
              f"{len(truth.actions)} classes seen; balance error: mean |selected − frame share| over videos.")
        print()
        print("| picker | coverage mean | coverage max | rare actions | balance error | object_frequency |")
        print("|---|---|---|---|---|---|")
        pickers = {
            f"random (mean ± sd, {RANDOM_SEEDS} seeds)": [truth.scores(list(np.random.default_rng(seed).choice(total, count, replace=False)))
                                                       for seed in range(RANDOM_SEEDS)],
            "uniform in time": [truth.scores([int((i + 0.5) * total / count) for i in range(count)])],
            "DeepLabCut k-means, 30-px greyscale": [truth.scores(deeplabcut_kmeans(pixels30, count))],
            "SLEAP-style image features, PCA, k-means": [truth.scores(sleap_kmeans(features, count))],
            "FiftyOne-style uniqueness": [truth.scores(fiftyone_uniqueness(features, count))],
        } | {f"this project: {name}": [truth.scores(ours[f"{name}@{count}"])] for name in configs(truth, count)}
        for name, results in pickers.items():
            print(row(name, results))
            means = np.array([r["coverage_mean"] for r in results])
            curves.setdefault(name.split(" (")[0], []).append((means.mean(), means.std(ddof=1) if len(means) > 1 else 0))
        print()

    print(f"**Sampling before detection.** The {PRICED_CONFIG} selects among the frames decode keeps "
          f"(detector calls); coverage against all {len(truth.poses)} true poses; loss against every frame.")
    print()
    table, rows = sampling_table(clips, bench, sampler, truth, counts)
    print(table)
    charted = ("this project: tutorial config", "this project: tutorial without WEIGHTS", "random", "uniform in time",
               "DeepLabCut k-means, 30-px greyscale", "SLEAP-style image features, PCA, k-means", "FiftyOne-style uniqueness")
    (charts_folder / "quality-coverage.svg").write_text(coverage_chart({name: curves[name] for name in charted}))
    (charts_folder / "quality-sampling.svg").write_text(sampling_chart(rows, total))


if __name__ == "__main__":
    main()
