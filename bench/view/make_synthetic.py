#!/usr/bin/env python3
"""A synthetic selection run of FRAMES frames for the browser view's benchmark.

    make_synthetic.py ROOT FRAMES [VIDEOS]

Writes ROOT/ds/input/clip-NN.mp4 (160x90 H.264, testsrc2, FRAMES/VIDEOS frames each),
ROOT/ds/lightly/.lightly/predictions/pose/ (two people per frame, 17 keypoints), a run folder
.lightly/runs/run-bench/ with report.json (the `ReportData` format: every frame with scores,
a 2-D embedding point per frame) and selected_filenames.txt (1 % picked), and ROOT/view.yaml,
whose schedule stage names the two datasources (the benchmark never runs it).
"""
import json
import math
import os
import random
import subprocess
import sys

SKELETON = [[15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8], [7, 9], [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6]]
NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
         "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
SCORES = ["objectness_least_confidence", "temporal_inconsistency", "pose_implausibility", "object_frequency"]


def main():
    root, total = sys.argv[1], int(sys.argv[2])
    videos = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    per_video = total // videos
    rng = random.Random(7)
    input_dir = os.path.join(root, "ds/input")
    lightly = os.path.join(root, "ds/lightly/.lightly")
    task_dir = os.path.join(lightly, "predictions/pose")
    run_dir = os.path.join(lightly, "runs/run-bench")
    for folder in (input_dir, task_dir, run_dir):
        os.makedirs(folder, exist_ok=True)
    with open(os.path.join(lightly, "predictions/tasks.json"), "w") as f:
        json.dump(["pose"], f)
    with open(os.path.join(task_dir, "schema.json"), "w") as f:
        json.dump({"task_type": "keypoint-detection",
                   "categories": [{"id": 1, "name": "person", "keypoint_names": NAMES, "keypoint_skeleton": SKELETON}]}, f)
    frames, names = [], []
    digits = len(str(per_video))
    for v in range(videos):
        video = "clip-%02d.mp4" % v
        path = os.path.join(input_dir, video)
        if not os.path.exists(path):
            subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25",
                            "-frames:v", str(per_video), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path], check=True)
        for index in range(per_video):
            name = "clip-%02d-%0*d-mp4.png" % (v, digits, index)
            people = []
            for person in range(2):
                cx, cy = 40 + 60 * person + 10 * math.sin(index / 30 + v), 45 + 5 * math.cos(index / 20)
                keypoints = []
                for k in range(17):
                    keypoints += [round(cx + 8 * math.sin(k + index / 50), 1), round(cy - 25 + 3 * k, 1), round(rng.random(), 3)]
                people.append({"category_id": 1, "score": round(rng.random(), 3), "bbox": [cx - 12, cy - 27, 24, 54], "keypoints": keypoints})
            with open(os.path.join(task_dir, name[:-4] + ".json"), "w") as f:
                json.dump({"file_name": name, "predictions": people}, f)
            names.append((name, video))
    picked = set(rng.sample(range(len(names)), max(1, len(names) // 100)))
    for i, (name, video) in enumerate(names):
        frames.append({"name": name, "video": video, "objects": 2, "status": "selected" if i in picked else "removed",
                       "scores": {s: round(rng.random(), 4) for s in SCORES}})
    points = [{"x": rng.gauss(0, 1), "y": rng.gauss(0, 1), "score": 0.5, "selected": i in picked, "frame": name}
              for i, (name, _) in enumerate(names)]
    config = {"n_samples": len(picked), "strategies": [
        {"input": {"type": "EMBEDDINGS", "task": "pose"}, "strategy": {"type": "DIVERSITY"}},
        {"input": {"type": "SCORES", "task": "pose", "score": "objectness_least_confidence"}, "strategy": {"type": "WEIGHTS"}}]}
    report = {"version": 1, "run": {"run_id": "run-bench", "tag": "initial-tag", "input_datasource": "ds/input",
                                    "lightly_datasource": "ds/lightly", "tasks": ["pose"], "selection_config": config},
              "stages": [], "frames": frames,
              "embedding": {"level": "frames", "method": "pca", "explainedVariance": [0.5, 0.3], "scoreName": "objectness_least_confidence",
                            "points": points},
              "selected_frames": [], "gallery": []}
    with open(os.path.join(run_dir, "report.json"), "w") as f:
        json.dump(report, f)
    with open(os.path.join(run_dir, "selected_filenames.txt"), "w") as f:
        f.write("".join(names[i][0] + "\n" for i in sorted(picked)))
    with open(os.path.join(root, "view.yaml"), "w") as f:
        f.write("version: 1\nname: view-bench\nstages:\n  schedule:\n    uses: schedule\n    with:\n      input: ds/input\n"
                "      lightly: ds/lightly\n      selection_config: %s\n" % json.dumps(config))


if __name__ == "__main__":
    main()
