#!/usr/bin/env python3
"""Generates sports-like test clips with their ground truth: stick-figure players on a court.

The Pexels videos of the tutorial cannot be fetched here, so the example pipeline runs on
clips made by this script: articulated figures (COCO's 17 joints) that walk, stand, serve,
spike, block and dig on a volleyball court, at several scales, hiding one another, with camera
pans and static stretches where nothing moves (what `decode`'s near-duplicate sampling is for).

Beside each `<clip>.mp4` it writes `<clip>.json`, the true annotations of every frame in COCO
keypoints format (docs/tutorial.md describes it): image `id` = frame index in decode order,
`file_name` = the frame's Lightly name, and per visible player its `bbox`, `keypoints`
(visibility 2 drawn, 1 hidden behind a nearer player, 0 outside the frame), `track_id` and
`action`. Output is deterministic for a given seed.

    examples/generate_clips.py --out examples/data --seed 0
"""
import argparse
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

KEYPOINT_NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
                  "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
                  "right_knee", "left_ankle", "right_ankle"]
SKELETON = [(0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),
            (5, 11), (6, 12), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16)]
ACTIONS = ["walk", "stand", "serve", "spike", "block", "dig"]
# Frames an action lasts: (shortest, longest).
DURATIONS = {"walk": (25, 70), "stand": (25, 70), "serve": (30, 42), "spike": (20, 30), "block": (18, 26),
             "dig": (20, 34)}
LIMB_COLOR = (60, 40, 30)
SKIN_COLOR = (230, 190, 160)
# A player is annotated when at least this many of its pixels are in view.
MIN_VISIBLE_PIXELS = 20


@dataclass(frozen=True)
class ClipSpec:
    name: str
    frames: int
    players: int
    still: tuple          # static stretch (start, end) as fractions of the clip
    scale: float          # player size relative to the court's default
    pan: float            # camera travel as a fraction of the frame width (0: fixed camera)
    actions: dict         # action -> relative frequency


DEFAULT_ACTIONS = {"walk": 35, "stand": 30, "serve": 8, "spike": 10, "block": 7, "dig": 10}
CLIPS = [
    ClipSpec("rally-court-a.mp4", 150, 6, (0.40, 0.55), 1.0, 0.30, DEFAULT_ACTIONS),
    ClipSpec("rally-court-b.mp4", 180, 8, (0.10, 0.25), 0.8, 0.0, DEFAULT_ACTIONS),
    ClipSpec("serve-closeup.mp4", 210, 3, (0.60, 0.80), 1.8, 0.15,
             {"walk": 20, "stand": 30, "serve": 40, "spike": 5, "block": 0, "dig": 5}),
    ClipSpec("block-at-net.mp4", 240, 7, (0.30, 0.40), 1.2, 0.35,
             {"walk": 25, "stand": 20, "serve": 0, "spike": 25, "block": 25, "dig": 5}),
    ClipSpec("timeout-bench.mp4", 270, 5, (0.20, 0.50), 0.9, 0.0,
             {"walk": 40, "stand": 55, "serve": 2, "spike": 0, "block": 0, "dig": 3}),
]


def frame_name(video: str, index: int, frame_count: int) -> str:
    """The Lightly name of a frame: `{stem}-{index, zero-padded to len(str(frame_count))}-{ext}.png`."""
    stem, ext = os.path.splitext(video)
    return f"{stem}-{index:0{len(str(frame_count))}d}-{ext[1:]}.png"


# ---- poses -----------------------------------------------------------------------------------

def limb(start, angle, length, side):
    """The end of a limb of `length` from `start`, `angle` radians from straight down, towards `side` (±1)."""
    return start + length * np.array((side * math.sin(angle), -math.cos(angle)))


def pose(action, progress, phase, facing):
    """The 17 COCO joints of a figure 1 unit tall, feet at y=0, y pointing up.

    `progress` runs 0→1 over the action, `phase` drives the walking gait, `facing` is ±1.
    """
    lift, crouch = 0.0, 0.0
    swing = 0.0
    # arms: (upper angle, forearm angle, side) for left and right; side ±1 is outward or facing
    left_arm, right_arm = (0.15, 0.25, -1), (0.15, 0.25, 1)
    if action == "walk":
        swing = math.sin(phase)
        left_arm, right_arm = (0.4 * swing, 0.4 * swing + 0.3, facing), (-0.4 * swing, -0.4 * swing + 0.3, facing)
    elif action == "serve":
        hit = min(1.0, progress * 1.6)
        toss = math.sin(math.pi * min(1.0, progress * 2.0))
        left_arm = (0.3 + 2.3 * toss, 0.3 + 2.4 * toss, facing)
        right_arm = (0.3 + 2.7 * hit, 0.5 + 2.3 * hit, -facing if hit < 0.6 else facing)
    elif action == "spike":
        lift = 0.35 * math.sin(math.pi * progress)
        left_arm, right_arm = (2.0, 1.8, facing), (2.8, 2.9 - 1.6 * progress, facing)
    elif action == "block":
        lift = 0.3 * math.sin(math.pi * progress)
        left_arm, right_arm = (2.95, 3.0, -1), (2.95, 3.0, 1)
    elif action == "dig":
        crouch = min(1.0, 3.0 * progress, 3.0 * (1.0 - progress) + 0.3)
        left_arm = right_arm = (0.9 + 0.3 * crouch, 1.0 + 0.3 * crouch, facing)
        left_arm = (left_arm[0] - 0.05, left_arm[1] - 0.05, facing)

    drop = 0.16 * crouch
    j = np.zeros((17, 2))
    head_y = 0.93 - drop
    j[0] = (0.02 * facing, head_y)                               # nose
    j[1], j[2] = (-0.03, head_y + 0.02), (0.03, head_y + 0.02)   # eyes
    j[3], j[4] = (-0.06, head_y), (0.06, head_y)                 # ears
    j[5], j[6] = (-0.12, 0.80 - drop), (0.12, 0.80 - drop)       # shoulders
    for shoulder, elbow, wrist, (upper, fore, side) in ((5, 7, 9, left_arm), (6, 8, 10, right_arm)):
        j[elbow] = limb(j[shoulder], upper, 0.17, side)
        j[wrist] = limb(j[elbow], fore, 0.15, side)
    j[11], j[12] = (-0.08, 0.50 - drop), (0.08, 0.50 - drop)     # hips
    for hip, knee, ankle, sign in ((11, 13, 15, 1), (12, 14, 16, -1)):
        thigh = 0.35 * swing * sign + facing * 0.9 * crouch
        shin = 0.35 * swing * sign - facing * 0.5 * crouch
        j[knee] = limb(j[hip], thigh, 0.24, 1)
        j[ankle] = limb(j[knee], shin, 0.26, 1)
    j[:, 1] += lift - min(0.0, j[15:17, 1].min())  # keep the feet on the floor when crouching
    return j


# ---- the scene -------------------------------------------------------------------------------

def court(width, height):
    img = np.empty((height, width, 3), np.uint8)
    img[:] = (40, 90, 160)  # stands
    floor_top = int(height * 0.35)
    img[floor_top:] = (200, 140, 80)  # floor
    white = np.array((240, 240, 240), np.uint8)
    for y in (floor_top + 4, height - 6):
        img[y - 2:y + 2, :] = white
    for x in (int(width * 0.05), int(width * 0.95), width // 2):
        img[floor_top:, x - 2:x + 2] = white
    net_x = width // 2
    img[int(height * 0.2):floor_top + 40, net_x - 3:net_x + 3] = (30, 30, 30)
    img[int(height * 0.2):int(height * 0.2) + 30, int(width * 0.1):int(width * 0.9)] = (230, 230, 230)
    # spectators' stripes, so that a panning camera sees the stands move
    for x in range(0, width, 37):
        img[int(height * 0.05):int(height * 0.18), x:x + 12] = (70, 110, 170) if (x // 37) % 2 else (30, 70, 130)
    return img


def draw_segment(img, owner, player, p, q, radius, color):
    """Draws a round-capped segment (into `img` unless None) and records `player` as the owner of its pixels."""
    h, w = owner.shape
    x0 = int(max(0, math.floor(min(p[0], q[0]) - radius)))
    x1 = int(min(w, math.ceil(max(p[0], q[0]) + radius) + 1))
    y0 = int(max(0, math.floor(min(p[1], q[1]) - radius)))
    y1 = int(min(h, math.ceil(max(p[1], q[1]) + radius) + 1))
    if x0 >= x1 or y0 >= y1:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1]
    d = q - p
    length2 = float(d @ d) or 1e-9
    t = np.clip(((xs - p[0]) * d[0] + (ys - p[1]) * d[1]) / length2, 0, 1)
    dist2 = (xs - p[0] - t * d[0]) ** 2 + (ys - p[1] - t * d[1]) ** 2
    mask = dist2 <= radius * radius
    if img is not None:
        img[y0:y1, x0:x1][mask] = color
    owner[y0:y1, x0:x1][mask] = player


def schedule(rng, frames, weights):
    """A player's actions over the clip: one action name per frame."""
    names = [a for a in ACTIONS if weights.get(a, 0) > 0]
    p = np.array([weights[a] for a in names], float)
    timeline = []
    while len(timeline) < frames:
        action = names[rng.choice(len(names), p=p / p.sum())]
        low, high = DURATIONS[action]
        length = int(rng.integers(low, high + 1))
        timeline += [(action, i / (length - 1)) for i in range(length)]
    return timeline[:frames]


def simulate(spec, frames, width, height, seed, draw=True):
    """Yields (image, people) per frame; people: dicts with track_id, action, joints (17x2), visibility.
    Without `draw` the image is None: only who owns each pixel (for visibility) is worked out."""
    rng = np.random.default_rng(seed)
    world_width = width * (1 + spec.pan)
    background = court(int(math.ceil(world_width)) + 1, height)
    floor_top = height * 0.35
    n = spec.players
    position = rng.uniform((0.05 * world_width, floor_top + 0.2 * height), (0.95 * world_width, 0.98 * height), (n, 2))
    heading = rng.uniform(0, 2 * math.pi, n)
    speed = rng.uniform(1.5, 3.5, n)
    phase0 = rng.uniform(0, 2 * math.pi, n)
    shirts = rng.integers(20, 235, (n, 3)).astype(np.uint8)
    timelines = [schedule(rng, frames, spec.actions) for _ in range(n)]
    still_start, still_end = int(spec.still[0] * frames), int(spec.still[1] * frames)
    facing = np.where(np.cos(heading) >= 0, 1, -1)

    t_prev = -1
    for index in range(frames):
        # the static stretch freezes time: the same frame repeats
        t = min(index, still_start) if index < still_end else index - (still_end - still_start)
        if t != t_prev and t_prev >= 0:
            for p in range(n):
                if timelines[p][t][0] == "walk":
                    step = speed[p] * np.array((math.cos(heading[p]), 0.3 * math.sin(heading[p])))
                    position[p] += step
                    low = (0.05 * world_width, floor_top + 0.2 * height)
                    high = (0.95 * world_width, 0.98 * height)
                    for axis in (0, 1):  # bounce off the court's edges
                        if not low[axis] <= position[p, axis] <= high[axis]:
                            position[p, axis] = np.clip(position[p, axis], low[axis], high[axis])
                            heading[p] = math.pi - heading[p] if axis == 0 else -heading[p]
                    facing[p] = 1 if math.cos(heading[p]) >= 0 else -1
        t_prev = t
        camera = spec.pan * width * 0.5 * (1 - math.cos(2 * math.pi * t / max(1, frames)))
        shift = int(round(camera))
        img = background[:, shift:shift + width].copy() if draw else None
        owner = np.full((height, width), -1, np.int16)

        people = []
        for p in np.argsort(position[:, 1]):  # far players first: nearer ones hide them
            x, y = position[p, 0] - shift, position[p, 1]
            scale = spec.scale * height * (0.12 + 0.2 * (y - floor_top) / (height - floor_top))
            action, progress = timelines[p][t]
            joints = pose(action, progress, phase0[p] + 0.25 * t, facing[p])
            pts = np.stack([x + joints[:, 0] * scale, y - joints[:, 1] * scale], axis=1)
            radius = max(2.0, scale * 0.035)
            for a, b in SKELETON:
                color = shirts[p] if (a >= 5 and b <= 12) else LIMB_COLOR
                draw_segment(img, owner, p, pts[a], pts[b], radius, color)
            head = scale * 0.07
            draw_segment(img, owner, p, pts[0], pts[0], head, SKIN_COLOR)
            people.append({"player": int(p), "action": action, "joints": pts, "radius": radius, "head": head})

        for person in people:
            person["visible_pixels"] = int((owner == person["player"]).sum())
            person["visibility"] = visibility(person["joints"], owner, person["player"])
        yield img, people


def visibility(points, owner, player):
    """COCO visibility per joint: 2 drawn, 1 hidden by another player, 0 outside the frame."""
    h, w = owner.shape
    v = np.zeros(len(points), int)
    for k, (x, y) in enumerate(points):
        xi, yi = int(round(x)), int(round(y))
        if 0 <= xi < w and 0 <= yi < h and 0 <= x < w and 0 <= y < h:
            v[k] = 2 if owner[yi, xi] == player else 1
    return v


def annotation(person, image_id, annotation_id, width, height):
    """A COCO keypoints annotation: box = the whole figure (joints, limb width, head) clipped to the frame."""
    pts, pad = person["joints"], person["radius"]
    x0 = max(0.0, min(pts[:, 0].min() - pad, pts[0, 0] - person["head"]))
    x1 = min(float(width), max(pts[:, 0].max() + pad, pts[0, 0] + person["head"]))
    y0 = max(0.0, min(pts[:, 1].min() - pad, pts[0, 1] - person["head"]))
    y1 = min(float(height), pts[:, 1].max() + pad)
    keypoints = []
    for (x, y), v in zip(pts, person["visibility"]):
        keypoints += [round(float(x), 2), round(float(y), 2), int(v)] if v else [0, 0, 0]
    box = [round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)]
    return {"id": annotation_id, "image_id": image_id, "category_id": 1, "iscrowd": 0, "bbox": box,
            "area": round(box[2] * box[3], 2), "keypoints": keypoints,
            "num_keypoints": int((person["visibility"] > 0).sum()),
            "track_id": person["player"], "action": person["action"]}


def coco_category():
    return {"id": 1, "name": "person", "supercategory": "person", "keypoints": KEYPOINT_NAMES,
            "skeleton": [[a + 1, b + 1] for a, b in SKELETON]}


def render_clip(spec, video, json_path, frames, width, height, fps, seed):
    """Encodes the clip to `video` (unless None) and writes its ground truth to `json_path`."""
    encoder = None if video is None else subprocess.Popen(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
         "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
         "-g", "50", "-bf", "2", "-threads", "2", "-map_metadata", "-1", "-fflags", "+bitexact", "-f", "mp4",
         str(video)],
        stdin=subprocess.PIPE)
    images, annotations = [], []
    for index, (img, people) in enumerate(simulate(spec, frames, width, height, seed, draw=encoder is not None)):
        if encoder:
            encoder.stdin.write(img.tobytes())
        images.append({"id": index, "file_name": frame_name(spec.name, index, frames), "width": width,
                       "height": height})
        for person in people:
            if person["visible_pixels"] >= MIN_VISIBLE_PIXELS:
                annotations.append(annotation(person, index, len(annotations) + 1, width, height))
    if encoder:
        encoder.stdin.close()
        if encoder.wait() != 0:
            sys.exit(f"generate_clips: ffmpeg failed to encode {video}")
    truth = {"info": {"description": f"ground truth of {spec.name}", "generator": "examples/generate_clips.py",
                      "seed": seed},
             "images": images, "annotations": annotations, "categories": [coco_category()]}
    json_path.write_text(json.dumps(truth, separators=(",", ":")))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("examples/data"))
    parser.add_argument("--width", type=int, default=960)
    parser.add_argument("--height", type=int, default=540)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames-scale", type=float, default=1.0, help="multiply every clip's length")
    parser.add_argument("--only", action="append", choices=[c.name for c in CLIPS], metavar="CLIP",
                        help="make only this clip (repeatable; default all five)")
    parser.add_argument("--truth-only", action="store_true",
                        help="write only the ground truth <clip>.json, identical to a full run's, without rendering video")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for number, spec in enumerate(CLIPS):
        if args.only and spec.name not in args.only:
            continue
        video = args.out / spec.name
        truth = video.with_suffix(".json")
        frames = max(2, int(spec.frames * args.frames_scale))
        seed = args.seed + number
        if args.truth_only:
            if not truth.exists():
                partial_truth = truth.with_name(truth.stem + ".partial.json")
                render_clip(spec, None, partial_truth, frames, args.width, args.height, args.fps, seed)
                partial_truth.rename(truth)
                print(f"generate_clips: wrote {truth}")
            continue
        if video.exists() and truth.exists():
            continue
        # Both files appear under their final names only when complete; the video last, so an
        # existing video always has its ground truth beside it.
        partial_video = video.with_name(video.stem + ".partial.mp4")
        partial_truth = truth.with_name(truth.stem + ".partial.json")
        render_clip(spec, partial_video, partial_truth, frames, args.width, args.height, args.fps, seed)
        partial_truth.rename(truth)
        partial_video.rename(video)
        print(f"generate_clips: wrote {video} and {truth.name}")


if __name__ == "__main__":
    main()
