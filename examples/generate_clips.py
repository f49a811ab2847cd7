#!/usr/bin/env python3
"""Generates sports-like test clips: stick-figure players on a volleyball court.

The Pexels videos of the tutorial cannot be fetched here, so the example pipeline runs on
clips made by this script: articulated figures (COCO's 17 joints) that walk, jump and
reach across a court, with static stretches where nothing moves (what `decode`'s
near-duplicate sampling is for). Output is deterministic for a given seed.

    examples/generate_clips.py --out examples/data
"""
import argparse
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

# name, frames, players, seconds of static stretch (start, end) as fractions of the clip
CLIPS = [
    ("rally-court-a.mp4", 150, 6, (0.40, 0.55)),
    ("rally-court-b.mp4", 180, 8, (0.10, 0.25)),
    ("serve-closeup.mp4", 210, 3, (0.60, 0.80)),
    ("block-at-net.mp4", 240, 7, (0.30, 0.40)),
    ("timeout-bench.mp4", 270, 5, (0.20, 0.50)),
]

SKELETON = [(0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),
            (5, 11), (6, 12), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16)]


def pose(phase, jump, reach):
    """The 17 COCO joints of a figure 1 unit tall, feet at y=0, y pointing up."""
    swing = 0.07 * math.sin(phase)
    lift = 0.25 * jump
    arm = 0.2 + 0.5 * reach
    j = np.zeros((17, 2))
    j[0] = (0.0, 0.93)                       # nose
    j[1], j[2] = (-0.03, 0.95), (0.03, 0.95)  # eyes
    j[3], j[4] = (-0.06, 0.93), (0.06, 0.93)  # ears
    j[5], j[6] = (-0.12, 0.80), (0.12, 0.80)  # shoulders
    j[7], j[8] = (-0.16 - swing * 0.3, 0.80 - 0.17 + arm * 0.3), (0.16 + swing * 0.3, 0.80 - 0.17 + arm * 0.3)
    j[9], j[10] = (-0.17 - swing * 0.5, 0.80 - 0.30 + arm * 0.75), (0.17 + swing * 0.5, 0.80 - 0.30 + arm * 0.75)
    j[11], j[12] = (-0.08, 0.50), (0.08, 0.50)  # hips
    j[13], j[14] = (-0.09 + swing, 0.26 + lift * 0.3), (0.09 - swing, 0.26 + lift * 0.3)
    j[15], j[16] = (-0.09 + 2 * swing, 0.0 + lift * 0.2), (0.09 - 2 * swing, 0.0 + lift * 0.2)
    j[:, 1] += lift * 0.5
    return j


def draw_segment(img, p, q, radius, color):
    h, w, _ = img.shape
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
    img[y0:y1, x0:x1][dist2 <= radius * radius] = color


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
    return img


def render_clip(path, frames, players, still, width, height, fps, seed):
    rng = np.random.default_rng(seed)
    background = court(width, height)
    floor_top = height * 0.35
    start = rng.uniform((0.05 * width, floor_top + 0.25 * height), (0.95 * width, 0.98 * height), (players, 2))
    velocity = rng.normal(0, 2.0, (players, 2)) * (1, 0.3)
    phase0 = rng.uniform(0, 2 * math.pi, players)
    jump_period = rng.uniform(30, 70, players)
    shirts = rng.integers(20, 235, (players, 3)).astype(np.uint8)
    still_start, still_end = int(still[0] * frames), int(still[1] * frames)

    encoder = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
         "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
         "-g", "50", "-bf", "2", "-threads", "2", "-map_metadata", "-1", "-fflags", "+bitexact", str(path)],
        stdin=subprocess.PIPE)
    for index in range(frames):
        t = min(index, still_start) if index < still_end else index - (still_end - still_start)
        img = background.copy()
        positions = start + velocity * t
        positions[:, 0] = 0.05 * width + np.mod(positions[:, 0] - 0.05 * width, 0.9 * width)
        positions[:, 1] = np.clip(positions[:, 1], floor_top + 0.2 * height, 0.98 * height)
        order = np.argsort(positions[:, 1])  # far players first
        for p in order:
            x, y = positions[p]
            scale = height * (0.12 + 0.2 * (y - floor_top) / (height - floor_top))
            jump = max(0.0, math.sin(2 * math.pi * t / jump_period[p])) ** 4
            reach = max(0.0, math.sin(2 * math.pi * t / jump_period[p] + 0.5)) ** 2
            joints = pose(phase0[p] + 0.25 * t, jump, reach)
            pts = np.stack([x + joints[:, 0] * scale, y - joints[:, 1] * scale], axis=1)
            limb = max(2.0, scale * 0.035)
            for a, b in SKELETON:
                color = shirts[p] if (a >= 5 and b <= 12) else (60, 40, 30)
                draw_segment(img, pts[a], pts[b], limb, color)
            draw_segment(img, pts[0], pts[0], scale * 0.07, (230, 190, 160))  # head
        encoder.stdin.write(img.tobytes())
    encoder.stdin.close()
    if encoder.wait() != 0:
        sys.exit(f"generate_clips: ffmpeg failed to encode {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("examples/data"))
    parser.add_argument("--width", type=int, default=960)
    parser.add_argument("--height", type=int, default=540)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames-scale", type=float, default=1.0, help="multiply every clip's length")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for number, (name, frames, players, still) in enumerate(CLIPS):
        path = args.out / name
        if path.exists():
            continue
        partial = path.with_name(path.stem + ".partial.mp4")
        render_clip(partial, max(2, int(frames * args.frames_scale)), players, still,
                    args.width, args.height, args.fps, args.seed + number)
        partial.rename(path)
        print(f"generate_clips: wrote {path}")


if __name__ == "__main__":
    main()
