#!/usr/bin/env bash
# Concurrent runs share the work: N `orchestrate run -j J` processes on one workdir against one
# run with `-j N*J`, over ITEMS `exec` items that each sleep SECONDS. The peer is the single run:
# leases, not a lock, should let N runs together take about as long as it does.
# Usage: bench/engine/concurrent.sh [ITEMS] [SECONDS] [RUNS] [JOBS] [REPEATS]   (release build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
items="${1:-30}"; seconds="${2:-1}"; runs="${3:-3}"; jobs="${4:-3}"; repeats="${5:-3}"
bin="${ORCHESTRATE_BIN:-$root/.build/release/orchestrate}"
[ -x "$bin" ] || (cd "$root" && swift build -c release --product orchestrate)
work="$(mktemp -d /tmp/orchestrate-concurrent-XXXXXX)"
trap 'rm -rf "$work"' EXIT

# workspace DIR: ITEMS sources and a one-stage pipeline of sleeping items.
workspace() {
  mkdir -p "$1/data"
  for i in $(seq -w 1 "$items"); do echo "item $i" > "$1/data/$i.txt"; done
  cat > "$1/p.yaml" <<YAML
version: 1
name: sleepers
stages:
  nap:
    uses: exec
    foreach: "data/*.txt"
    with:
      argv: [sh, -c, 'sleep $seconds; cp "\$0" "\$1/copy.txt"', "\${item.path}", "\${out}"]
YAML
}
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), binary $bin"
echo "$items items of ${seconds}s; $runs runs x -j $jobs vs one run -j $((runs * jobs)); medians of $repeats"
for r in $(seq "$repeats"); do
  rm -rf "$work/one" "$work/many"; workspace "$work/one"; workspace "$work/many"
  start=$(now); (cd "$work/one" && "$bin" run p.yaml -j $((runs * jobs)) >/dev/null 2>&1); one=$(echo "$(now) - $start" | bc -l)
  start=$(now)
  pids=()
  for _ in $(seq "$runs"); do (cd "$work/many" && "$bin" run p.yaml -j "$jobs" >/dev/null 2>&1) & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid"; done
  many=$(echo "$(now) - $start" | bc -l)
  echo "$one $many" >> "$work/times"
  printf 'repeat %d: one run %.2fs, %d runs %.2fs\n' "$r" "$one" "$runs" "$many"
done
one=$(cut -d' ' -f1 "$work/times" | median); many=$(cut -d' ' -f2 "$work/times" | median)
printf 'median: one run -j %d %.2fs; %d runs x -j %d %.2fs; ratio %.2f (goal <= 1.3)\n' \
  $((runs * jobs)) "$one" "$runs" "$jobs" "$many" "$(echo "$many / $one" | bc -l)"
