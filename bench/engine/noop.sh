#!/usr/bin/env bash
# No-op re-run of a fully cached 10,000-item pipeline vs Snakemake's dry run of the equivalent
# 10,000-job workflow, plus the engine's overhead per executed `exec` item (`true`) and the cost of
# starting the binary (`orchestrate --help`), and `orchestrate status` on the cached workdir. Wall
# and CPU (user+sys) seconds: on a shared machine
# the CPU figures are the steadier ones.
# Usage: bench/engine/noop.sh [ITEMS] [REPEATS]   (needs a release build and bench/engine/setup.sh;
#        ORCHESTRATE_BIN=path times another build of the binary, e.g. .build/debug/orchestrate)
set -euo pipefail
source "$(dirname "$0")/workspace.sh"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
items="${1:-10000}"
repeats="${2:-5}"
bin="${ORCHESTRATE_BIN:-$root/.build/release/orchestrate}"
[ -x "$bin" ] || (cd "$root" && swift build -c release --product orchestrate)
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
echo "binary: $bin"
[ -x "$here/.venv-bench/bin/snakemake" ] || "$here/setup.sh"

work="$(mktemp -d /tmp/orchestrate-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT
make_workspace "$work" "$items"

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

# measure DIR COMMAND...: prints "wall cpu" in seconds (cpu = user + sys of the command and its children).
measure() {
  local dir="$1"; shift
  (cd "$dir" && /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null 2>&1)
  awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$work/time"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# repeat N DIR COMMAND...: "wall cpu" medians of N runs.
repeat() {
  local n="$1"; shift
  for _ in $(seq "$n"); do measure "$@"; done > "$work/runs"
  echo "$(cut -d' ' -f1 "$work/runs" | median) $(cut -d' ' -f2 "$work/runs" | median)"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
read -r help_wall help_cpu <<<"$(repeat "$repeats" "$work" "$bin" --help)"
echo "orchestrate --help (median of $repeats): ${help_wall}s wall, ${help_cpu}s CPU"

read -r first_wall first_cpu <<<"$(measure "$work" "$bin" run p.yaml -j 1)"
spawn=$(python3 - "$items" <<'PY'
import subprocess, sys, time
n = min(int(sys.argv[1]), 2000)
t = time.perf_counter()
for _ in range(n): subprocess.run(["true"])
print((time.perf_counter() - t) / n)
PY
)
per_item() { echo "$1 / $items * 1000" | bc -l | cut -c1-6; }
echo "first run, $items exec 'true' items, -j 1: ${first_wall}s wall, ${first_cpu}s CPU"
echo "per item: $(per_item "$first_wall") ms wall, $(per_item "$first_cpu") ms CPU;" \
  "spawning 'true' alone (python subprocess, same run): $(echo "$spawn * 1000" | bc -l | cut -c1-6) ms wall"

read -r noop_wall noop_cpu <<<"$(repeat "$repeats" "$work" "$bin" run p.yaml)"
echo "orchestrate no-op re-run (median of $repeats): ${noop_wall}s wall, ${noop_cpu}s CPU"

read -r status_wall status_cpu <<<"$(repeat "$repeats" "$work" "$bin" status p.yaml)"
echo "orchestrate status, $items items (median of $repeats): ${status_wall}s wall, ${status_cpu}s CPU"

read -r smk_wall smk_cpu <<<"$(repeat "$repeats" "$work/sm" "$here/.venv-bench/bin/snakemake" -n -c 1 --quiet)"
echo "snakemake -n, $items jobs (median of $repeats): ${smk_wall}s wall, ${smk_cpu}s CPU"
echo "ratio snakemake / orchestrate: $(echo "$smk_wall / $noop_wall" | bc -l | cut -c1-6) wall," \
  "$(echo "$smk_cpu / $noop_cpu" | bc -l | cut -c1-6) CPU"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
