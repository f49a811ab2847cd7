#!/usr/bin/env python3
"""The active-learning curve (bench/active-learning/run.sh): does labelling the frames this
project picks give a better model than labelling random frames, round after round?

A pool of generated clips (examples/generate_clips.py) to select from and held-out clips made
with another seed to score on. The starting model is the committed stand-in fine-tuned on a
narrow slice (one clip of another seed), or the stand-in itself (--start-steps 0). Each round every
picker adds BUDGET of the pool's frames to its labelled set (never a frame it labelled before);
an oracle (examples/oracle_labels.py) labels them with the clips' truth; the starting model is
fine-tuned on the picker's labels so far by plugins/train/train.py (same steps and seed for every
picker); the model is scored with pycocotools (keypoint and box AP, train.py's audit) on every
held-out frame.

Pickers: ours, the tutorial's selection config run by the release `orchestrate` on the current
model's predictions (decode → detect → convert → metadata → upload → schedule with
`selection_config.round`: the datapool keeps earlier rounds' picks out); random (several seeds);
uniform in time; DeepLabCut's k-means (bench/selection-quality/quality.py).

Usage: curve.py ORCHESTRATE POOL_CLIPS HELDOUT_CLIPS WORK_DIR --rounds R --budget B --steps S
       --random-seeds N --slice SLICE_CLIPS --start-steps N > table.md
       (writes WORK_DIR/active-learning.svg and results.json)
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench/selection-quality"), str(ROOT / "examples"), str(ROOT / "plugins/train")]
import charts  # noqa: E402
import oracle_labels  # noqa: E402
import quality  # noqa: E402
import train  # noqa: E402

STANDIN = ROOT / "pipelines/models/standin-keypointrcnn.pt"
TRAIN_SCRIPT = ROOT / "plugins/train/train.py"


def log(message):
    print(f"active-learning: {message}", file=sys.stderr, flush=True)


# ---- labels and models -------------------------------------------------------------------------

def label(clips, frames, picks, folder):
    """The oracle's COCO keypoints of the frames `picks` (global indices), one folder per video."""
    for video in sorted({frames[i]["video"] for i in picks}):
        indices = ",".join(str(frames[i]["index"]) for i in picks if frames[i]["video"] == video)
        oracle_labels.main(["--truth", str(clips / f"{video}.json"), "--video", str(clips / f"{video}.mp4"),
                            "--indices", indices, "--out", str(folder / video)])


def fine_tune(start, labels, output, steps, seed, learning_rate=0.005):
    """The model `start` fine-tuned on `labels` by the train plugin, run as its protocol says."""
    output.mkdir(parents=True, exist_ok=True)
    checkpoints = output / "checkpoints"
    checkpoints.mkdir(exist_ok=True)
    request = {"params": {"model": str(start), "annotations": "coco-keypoints.json", "steps": steps,
                          "batch_size": 2, "learning_rate": learning_rate, "seed": seed, "device": "cpu", "audit": "",
                          "checkpoint_every": steps, "threads": 0},
               "pipeline_dir": str(ROOT), "inputs": {"labels": str(labels)}, "output_dir": str(output),
               "checkpoint_dir": str(checkpoints), "checkpoints": []}
    subprocess.run([sys.executable, str(TRAIN_SCRIPT)], input=json.dumps(request).encode(), check=True,
                   stdout=subprocess.DEVNULL)
    return (output / "model.pt").resolve()


def score(model_path, audit):
    """pycocotools keypoint and box AP of the model on the held-out audit set (train.py's audit)."""
    import torch
    model = train.load_model(model_path, "cpu")
    with torch.no_grad():
        scores = train.audit_scores(model, audit, train.keypoint_count(model, model_path), "cpu")
    return {"keypoint_ap": scores["keypoint_ap"], "box_ap": scores["box_ap"]}


def weak_start(args):
    """The starting model: the stand-in fine-tuned on every 3rd frame of the slice clips (a narrow
    slice: it forgets some of what it knew), or the stand-in itself with --start-steps 0."""
    if not args.start_steps:
        return STANDIN
    frames = quality.load(args.slice)
    picks = list(range(0, len(frames), 3))
    label(args.slice, frames, picks, args.work / "start" / "labels")
    log(f"the starting model: the stand-in fine-tuned {args.start_steps} steps on {len(picks)} frames of {args.slice}")
    return fine_tune(STANDIN, args.work / "start" / "labels", args.work / "start" / "model", args.start_steps, args.seed,
                     args.start_learning_rate)


# ---- ours: the release binary on the current model's predictions --------------------------------

TUTORIAL_SCORES = ["object_frequency", "objectness_least_confidence"]
# The tutorial's config and its ablations: the SCORES each weighs frames by (--ablation names them).
CONFIGS = {
    "tutorial": ("tutorial config", TUTORIAL_SCORES),
    "without-uncertainty": ("without objectness_least_confidence", ["object_frequency"]),
    "with-temporal": ("with temporal_inconsistency", TUTORIAL_SCORES + ["temporal_inconsistency"]),
    "with-pose": ("with pose_implausibility", TUTORIAL_SCORES + ["pose_implausibility"]),
}

class Ours:
    """One pipeline folder whose datasource holds every round's selection (its datapool)."""

    def __init__(self, binary, clips, frames, folder, weights):
        """weights: the SCORES the config weighs frames by (the tutorial's two, or fewer)."""
        self.binary, self.frames, self.folder, self.weights = binary, frames, folder, weights
        (folder / "data").mkdir(parents=True, exist_ok=True)
        for video in sorted({f["video"] for f in frames}):
            link = folder / "data" / f"{video}.mp4"
            if not link.exists():
                link.symlink_to((clips / f"{video}.mp4").resolve())
        self.by_name = {f["name"]: i for i, f in enumerate(frames)}

    def pipeline(self, model, count, round_number):
        videos = sorted({f["video"] for f in self.frames})
        target = {f"{v}.mp4": round(1 / len(videos), 6) for v in videos}
        strategies = [{"input": {"type": "EMBEDDINGS", "task": "keypoint_rcnn_detection"}, "strategy": {"type": "DIVERSITY"}}] + [
            {"input": {"type": "SCORES", "task": "keypoint_rcnn_detection", "score": s}, "strategy": {"type": "WEIGHTS"}}
            for s in self.weights] + [
            {"input": {"type": "METADATA", "key": "video_name"}, "strategy": {"type": "BALANCE", "target": target}}]
        # JSON is YAML: the pipeline is written as JSON, every frame decoded (the pickers share one pool).
        return {"version": 1, "name": "active-learning", "stages": {
            "decode": {"uses": "decode", "foreach": "data/*.mp4", "with": {"every": 1}},
            "detect": {"uses": "detect", "needs": ["decode"], "concurrency": 1,
                       "with": {"model": str(model), "batch_size": 2, "threads": 0}},
            "convert": {"uses": "convert", "needs": ["detect"]},
            "metadata": {"uses": "metadata", "needs": ["decode"]},
            "upload": {"uses": "upload", "needs": ["convert", "metadata"],
                       "with": {"input": "datasource/input", "lightly": "datasource/lightly"}},
            "schedule": {"uses": "schedule", "needs": ["upload"], "with": {"selection_config": {
                "round": round_number, "n_samples": count, "strategies": strategies}}}}}

    def pick(self, model, count, round_number, labelled):
        path = self.folder / "pipeline.yaml"
        path.write_text(json.dumps(self.pipeline(model, count, round_number), indent=1) + "\n")
        with open(self.folder / f"run-round-{round_number}.log", "w") as output:
            if subprocess.run([self.binary, "run", str(path)], stdout=output, stderr=output).returncode:
                sys.exit(f"active-learning: {self.binary} run {path} failed: {output.name}")
        outputs = subprocess.run([self.binary, "outputs", str(path), "schedule"], check=True, capture_output=True,
                                 text=True).stdout.split()
        selected = next(Path(p) for p in outputs if p.endswith("selected_filenames.txt"))
        picks = [self.by_name[Path(name).name] for name in selected.read_text().split()]
        again = sorted(self.frames[i]["name"] for i in set(picks) & labelled)
        if again:
            sys.exit(f"active-learning: round {round_number}: {selected} picks frames labelled before: {', '.join(again[:5])}")
        return picks


# ---- the other pickers, among the frames not labelled yet ---------------------------------------

def unlabelled(total, labelled):
    return [i for i in range(total) if i not in labelled]


def random_picks(seed, round_number, total, labelled, count):
    candidates = unlabelled(total, labelled)
    return [int(i) for i in np.random.default_rng([seed, round_number]).choice(candidates, count, replace=False)]


def uniform_picks(total, labelled, count):
    candidates = unlabelled(total, labelled)
    return [candidates[int((i + 0.5) * len(candidates) / count)] for i in range(count)]


def kmeans_picks(pixels, round_number, total, labelled, count):
    candidates = unlabelled(total, labelled)
    return [candidates[i] for i in quality.deeplabcut_kmeans(pixels[candidates], count, seed=round_number)]


# ---- output ----------------------------------------------------------------------------------

def cell(values, key):
    values = np.array([v[key] for v in values])
    return f"{values.mean():.3f}" + (f" ± {values.std(ddof=1):.3f}" if len(values) > 1 else "")


def table(results, rounds):
    lines = ["| picker | round | labels so far | keypoint AP | box AP |", "|---|---:|---:|---:|---:|"]
    for name, per_round in results.items():
        for r in range(rounds + 1):
            values = per_round[r]
            lines.append(f"| {name} | {r} | {values[0]['labels']} | {cell(values, 'keypoint_ap')} | {cell(values, 'box_ap')} |")
    return "\n".join(lines)


def chart(results, rounds):
    """Keypoint AP against labels so far per picker; random with its ± sd band."""
    curves = {}
    for name, per_round in results.items():
        xs = [per_round[r][0]["labels"] for r in range(rounds + 1)]
        ys = [np.array([v["keypoint_ap"] for v in per_round[r]]) for r in range(rounds + 1)]
        curves[name] = (xs, [y.mean() for y in ys], [y.std(ddof=1) if len(y) > 1 else 0.0 for y in ys])
    top = max(max(m + s for m, s in zip(means, sds)) for _, means, sds in curves.values())
    low = min(min(m - s for m, s in zip(means, sds)) for _, means, sds in curves.values())
    largest = max(max(xs) for xs, _, _ in curves.values())
    figure = charts.Chart("Active learning: held-out keypoint AP by labels (oracle labels; higher is better)",
                          "labelled frames", "keypoint AP (held-out clips)", (0, largest * 1.05 or 1),
                          (max(0.0, low - 0.02), min(1.0, top + 0.02)), y_format="{:.2f}")
    for (name, (xs, means, sds)), color in zip(curves.items(), charts.PALETTE):
        if any(sds):
            figure.band(xs, [m - s for m, s in zip(means, sds)], [m + s for m, s in zip(means, sds)], color)
        figure.line(xs, means, color, name, dashed=not name.startswith("this project"))
    return figure.svg()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("orchestrate")
    parser.add_argument("pool", type=Path)
    parser.add_argument("heldout", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--budget", type=float, default=0.02, help="share of the pool's frames labelled per round")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0, help="the training seed, the same for every picker")
    parser.add_argument("--random-seeds", type=int, default=3)
    parser.add_argument("--slice", type=Path, help="generated clips the weak starting model is fine-tuned on")
    parser.add_argument("--start-steps", type=int, default=40, help="steps on the slice; 0 starts from the stand-in")
    parser.add_argument("--start-learning-rate", type=float, default=0.02)
    parser.add_argument("--ablation", nargs="+", choices=[v for v in CONFIGS if v != "tutorial"],
                        help="also these variants of this project's config: without its uncertainty score, with the temporal or the pose score")
    parser.add_argument("--only", nargs="+", help="run only the pickers whose names contain one of these")
    args = parser.parse_args()
    started = time.time()

    frames = quality.load(args.pool)
    total = len(frames)
    count = max(1, round(args.budget * total))
    heldout = args.work / "heldout"
    if not (heldout / "all.json").exists():
        held_frames = quality.load(args.heldout)
        label(args.heldout, held_frames, list(range(len(held_frames))), heldout)
        # One audit file over the videos' frames (each folder's frames/ beside its labels).
        merged = {"images": [], "annotations": [], "categories": None}
        for path in sorted(heldout.glob("*/coco-keypoints.json")):
            document = json.loads(path.read_text())
            merged["categories"] = document["categories"]
            ids = {}
            for image in document["images"]:
                ids[image["id"]] = len(merged["images"]) + 1
                merged["images"].append(image | {"id": ids[image["id"]], "file_name": f"{path.parent.name}/frames/{image['file_name']}"})
            for annotation in document["annotations"]:
                merged["annotations"].append(annotation | {"id": len(merged["annotations"]) + 1, "image_id": ids[annotation["image_id"]]})
        (heldout / "all.json").write_text(json.dumps(merged))
    audit = heldout / "all.json"
    pixels = quality.grey_frames(args.pool, frames, 30)
    start_model = weak_start(args)
    start = score(start_model, audit) | {"labels": 0}
    log(f"{total} pool frames, {count} per round; the starting model scores keypoint AP {start['keypoint_ap']:.3f}, "
        f"box AP {start['box_ap']:.3f} on {len(json.loads(audit.read_text())['images'])} held-out frames")

    ours = {f"this project: {name}": Ours(args.orchestrate, args.pool, frames, args.work / f"ours-{variant}", weights)
            for variant, (name, weights) in CONFIGS.items() if variant == "tutorial" or variant in (args.ablation or [])}
    pickers = list(ours) + [f"random seed {s}" for s in range(args.random_seeds)] + [
        "uniform in time", "DeepLabCut k-means, 30-px greyscale"]
    pickers = [name for name in pickers if not args.only or any(part in name for part in args.only)]
    labelled = {name: set() for name in pickers}
    model = {name: start_model for name in pickers}
    scores = {name: [start] for name in pickers}
    for r in range(1, args.rounds + 1):
        for name in pickers:
            done = labelled[name]
            if name in ours:
                picks = ours[name].pick(model[name], count, r, done)
            elif name.startswith("random"):
                picks = random_picks(int(name.split()[-1]), r, total, done, count)
            elif name.startswith("uniform"):
                picks = uniform_picks(total, done, count)
            else:
                picks = kmeans_picks(pixels, r, total, done, count)
            done |= set(picks)
            folder = args.work / "rounds" / f"round-{r}" / name.replace(" ", "-").replace(":", "").replace(",", "")
            label(args.pool, frames, sorted(done), folder / "labels")
            model[name] = fine_tune(start_model, folder / "labels", folder / "model", args.steps, args.seed)
            scores[name].append(score(model[name], audit) | {"labels": len(done)})
            log(f"round {r}, {name}: {len(done)} labels, keypoint AP {scores[name][-1]['keypoint_ap']:.3f}, "
                f"box AP {scores[name][-1]['box_ap']:.3f} ({time.time() - started:.0f} s)")

    # Random's seeds as one row per round (mean ± sd), where random's own place is.
    seeds = [name for name in pickers if name.startswith("random seed")]
    results = {}
    for name in pickers:
        if name in seeds:
            results[f"random (mean ± sd, {len(seeds)} seeds)"] = [[scores[seed][r] for seed in seeds] for r in range(args.rounds + 1)]
        else:
            results[name] = [[v] for v in scores[name]]
    (args.work / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (args.work / "active-learning.svg").write_text(chart(results, args.rounds))
    print(f"{total} pool frames, {count} labelled per round ({args.budget:.1%}), {args.steps} training steps "
          f"(seed {args.seed}) from the starting model ({start_model.relative_to(ROOT) if start_model.is_relative_to(ROOT) else start_model}) "
          f"on each picker's labels so far; scored on {len(json.loads(audit.read_text())['images'])} held-out frames; "
          f"round 0 is the starting model.")
    print()
    print(table(results, args.rounds))
    log(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
