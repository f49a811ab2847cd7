#!/usr/bin/python3
"""NumPy peer of the selection benchmark: the same greedy (object-level DIVERSITY + WEIGHTS +
BALANCE UNIFORM over videos) as Sources/Selection, written for speed the obvious way: after every
pick, one pass over all object embeddings (distances by a matrix product, per-frame maxima by
np.maximum.reduceat).

Reads the scene the Swift driver wrote (BENCH_OUT) and prints one JSON line."""
import json
import os
import sys
import time
import resource

import numpy as np


def main():
    out = sys.argv[1]
    select = int(sys.argv[2])
    dimension = int(sys.argv[3])
    embeddings = np.fromfile(os.path.join(out, "embeddings.f32"), dtype=np.float32).reshape(-1, dimension)
    counts = np.fromfile(os.path.join(out, "counts.i32"), dtype=np.int32)
    weights = np.fromfile(os.path.join(out, "weights.f64"), dtype=np.float64)
    videos = np.fromfile(os.path.join(out, "videos.i32"), dtype=np.int32)
    frames = counts.size
    offsets = np.zeros(frames + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])

    start = time.perf_counter()
    squared_norms = np.einsum("ij,ij->i", embeddings, embeddings)
    nearest = np.full(embeddings.shape[0], np.inf, dtype=np.float32)
    static = np.log(np.maximum(weights / weights.max(), 1e-6))
    categories = int(videos.max()) + 1
    target = np.full(categories, 1.0 / categories)
    counts_per_video = np.zeros(categories)
    remaining = np.bincount(videos, minlength=categories).astype(np.float64)
    available = np.ones(frames, dtype=bool)
    selected = []
    frame_distance = np.zeros(frames)
    for _ in range(select):
        total = counts_per_video.sum()
        deficit = target * (total + 1) - counts_per_video
        largest = deficit[remaining > 0].max()
        balance = np.log(np.clip(deficit - largest + 1, 1e-100, 1))
        if selected:
            diversity = np.log(np.maximum(frame_distance, 1e-9))
        else:
            diversity = np.zeros(frames)
        score = static + diversity + balance[videos]
        score[~available] = -np.inf
        pick = int(np.argmax(score))
        selected.append(pick)
        available[pick] = False
        counts_per_video[videos[pick]] += 1
        remaining[videos[pick]] -= 1
        new = embeddings[offsets[pick]:offsets[pick + 1]]
        # |a - b|² = |a|² + |b|² − 2 a·b, for all objects against the new frame's objects at once.
        distances = squared_norms[:, None] + np.einsum("ij,ij->i", new, new)[None, :] - 2.0 * (embeddings @ new.T)
        np.minimum(nearest, distances.min(axis=1), out=nearest)
        frame_distance = np.sqrt(np.maximum(np.maximum.reduceat(nearest, offsets[:-1]), 0))
    elapsed = time.perf_counter() - start
    with open(os.path.join(out, "numpy_selected.txt"), "w") as handle:
        handle.write("\n".join(map(str, selected)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"kind": "numpy", "frames": int(frames), "objects": int(embeddings.shape[0]),
                      "select": select, "time_s": elapsed, "peak_rss_mib": peak}))


if __name__ == "__main__":
    main()
