#!/usr/bin/env bash
# No-op re-run of a fully cached 10,000-item pipeline vs Snakemake's dry run of the equivalent
# 10,000-job workflow, plus the engine's overhead per executed `exec` item (`true`).
# Usage: bench/engine/noop.sh [ITEMS] [REPEATS]   (needs a release build and bench/engine/setup.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
items="${1:-10000}"
repeats="${2:-5}"
bin="$root/.build/release/orchestrate"
[ -x "$bin" ] || (cd "$root" && swift build -c release --product orchestrate)
[ -x "$here/.venv-bench/bin/snakemake" ] || "$here/setup.sh"

work="$(mktemp -d /tmp/orchestrate-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data"
python3 - "$work/data" "$items" <<'PY'
import sys, os
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(d, f"{i:05d}.txt"), "w") as f:
        f.write(f"item {i}\n")
PY

cat > "$work/p.yaml" <<YAML
version: 1
name: bench
stages:
  touch:
    uses: exec
    foreach: "data/*.txt"
    with:
      argv: ["true"]
YAML

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
first=$(cd "$work" && seconds "$bin" run p.yaml -j 1)
spawn=$(python3 - "$items" <<'PY'
import subprocess, sys, time
n = min(int(sys.argv[1]), 2000)
t = time.perf_counter()
for _ in range(n): subprocess.run(["true"])
print((time.perf_counter() - t) / n)
PY
)
echo "first run, $items exec 'true' items, -j 1: ${first}s"
echo "per item: $(echo "$first / $items * 1000" | bc -l | cut -c1-6) ms; spawning 'true' alone (python subprocess): $(echo "$spawn * 1000" | bc -l | cut -c1-6) ms"

noop=$(for _ in $(seq "$repeats"); do (cd "$work" && seconds "$bin" run p.yaml); done | median)
echo "orchestrate no-op re-run (median of $repeats): ${noop}s"

mkdir -p "$work/sm"
cat > "$work/sm/Snakefile" <<'SMK'
import os
IDS = sorted(f[:-4] for f in os.listdir("../data") if f.endswith(".txt"))
rule all:
    input: expand("out/{i}.done", i=IDS)
rule touch:
    input: "../data/{i}.txt"
    output: "out/{i}.done"
    shell: "true > {output}"
SMK
smk=$(for _ in $(seq "$repeats"); do (cd "$work/sm" && seconds "$here/.venv-bench/bin/snakemake" -n -c 1 --quiet); done | median)
echo "snakemake -n, $items jobs (median of $repeats): ${smk}s"
echo "ratio snakemake / orchestrate: $(echo "$smk / $noop" | bc -l | cut -c1-6)"
