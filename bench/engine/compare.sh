#!/usr/bin/env bash
# Compares two release builds on the read paths of one fully cached workdir: `run` (no-op),
# `status`, `cache ls` and `outputs STAGE`, the binaries alternating so that both see the same
# load; wall and CPU (user+sys) medians. The workdir is written by BASE, so NEW also shows it reads
# an older build's workdir.
# Usage: bench/engine/compare.sh BASE_BINARY NEW_BINARY [ITEMS] [REPEATS]   (defaults 10000, 5)
set -euo pipefail
source "$(dirname "$0")/workspace.sh"
base="$1"; new="$2"; items="${3:-10000}"; n="${4:-5}"
work="$(mktemp -d /tmp/orchestrate-compare-XXXXXX)"; trap 'rm -rf "$work"' EXIT
make_workspace "$work" "$items"
(cd "$work" && "$base" run p.yaml -j 4 >/dev/null 2>&1)
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for cmd in "run p.yaml" "status p.yaml" "cache ls p.yaml" "outputs p.yaml touch"; do
  : > "$work/base"; : > "$work/new"
  for _ in $(seq "$n"); do
    for which in base new; do
      bin=$([ $which = base ] && echo "$base" || echo "$new")
      (cd "$work" && /usr/bin/time -f "%e %U %S" -o "$work/t" $bin $cmd >/dev/null 2>&1)
      awk '{printf "%.3f %.3f\n", $1, $2+$3}' "$work/t" >> "$work/$which"
    done
  done
  bw=$(cut -d' ' -f1 "$work/base" | median); bc_=$(cut -d' ' -f2 "$work/base" | median)
  nw=$(cut -d' ' -f1 "$work/new" | median); nc=$(cut -d' ' -f2 "$work/new" | median)
  echo "$cmd: base ${bw}s wall ${bc_}s CPU | new ${nw}s wall ${nc}s CPU | new/base CPU $(echo "$nc / $bc_" | bc -l | cut -c1-5)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
