#!/usr/bin/env bash
# Selection benchmark: the Swift selector (release build, lazy greedy) against a vectorised NumPy
# greedy on the same synthetic scene, in the same run. Writes bench/selection/results.md.
#   BENCH_FRAMES (200000) BENCH_SELECT (1000) BENCH_DIM (64) BENCH_REPEATS (3) BENCH_SCALING (1)
set -euo pipefail
cd "$(dirname "$0")/../.."
frames=${BENCH_FRAMES:-200000}
select=${BENCH_SELECT:-1000}
dimension=${BENCH_DIM:-64}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

swift build -c release --product SelectionBench
bench=$(swift build -c release --show-bin-path)/SelectionBench

export BENCH_FRAMES=$frames BENCH_SELECT=$select BENCH_DIM=$dimension
export BENCH_REPEATS=${BENCH_REPEATS:-3} BENCH_SCALING=${BENCH_SCALING:-1} BENCH_OUT=$out
"$bench" > "$out/swift.jsonl"
/usr/bin/python3 bench/selection/numpy_peer.py "$out" "$select" "$dimension" > "$out/numpy.jsonl"

/usr/bin/python3 - "$out" > bench/selection/results.md <<'PY'
import json, re, statistics, sys, os, platform, datetime
out = sys.argv[1]
swift = [json.loads(line) for line in open(os.path.join(out, "swift.jsonl"))]
numpy = json.loads(open(os.path.join(out, "numpy.jsonl")).read())
main = next(r for r in swift if r["kind"] == "main")
median = statistics.median(main["times_s"])
a = open(os.path.join(out, "swift_selected.txt")).read().split()
b = open(os.path.join(out, "numpy_selected.txt")).read().split()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"Machine: {cpu}, {os.cpu_count()} cores (shared), {platform.platform()}; {datetime.date.today()}")
print()
print(f"Scene: {main['frames']} frames, {main['objects']} object embeddings of dimension {main['dimension']}, select {main['select']}; "
      "object-level DIVERSITY + WEIGHTS + BALANCE (UNIFORM over 20 videos).")
print()
print("| implementation | median s | runs s | peak RSS MiB (process) |")
print("|---|---|---|---|")
print(f"| Swift `Selector` (release, lazy greedy) | {median:.2f} | {', '.join(f'{t:.2f}' for t in main['times_s'])} | {main['peak_rss_mib']:.0f} |")
print(f"| NumPy vectorised full pass per pick | {numpy['time_s']:.2f} | {numpy['time_s']:.2f} | {numpy['peak_rss_mib']:.0f} |")
print()
print(f"Ratio NumPy / Swift: {numpy['time_s'] / median:.1f}x. Same first pick: {a[:1] == b[:1]}; "
      f"picks in common: {len(set(a) & set(b))} of {len(a)}; identical order: {a == b}.")
print()
print(f"Swift data generation (not timed above): {main['generate_s']:.1f} s. Swift picks, FNV-1a in order: {main['picks_fnv1a']}.")
rows = [r for r in swift if r["kind"] in ("frames", "select")]
if rows:
    print()
    print("| frames | selected | Swift s |")
    print("|---|---|---|")
    points = rows + [{"frames": main["frames"], "select": main["select"], "time_s": median}]
    for r in sorted(points, key=lambda r: (r["frames"], r["select"])):
        print(f"| {r['frames']} | {r['select']} | {r['time_s']:.2f} |")
PY
cat bench/selection/results.md
