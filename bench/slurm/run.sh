#!/bin/bash
# 200 trivial items on a private one-node Slurm cluster: orchestrate's slurm executor against
# Snakemake 9 with snakemake-executor-plugin-slurm, same cluster, same run. Orchestrate runs twice:
# one job per item (`resources: {array: 1}`) and its default, one job array per stage.
#
#   bench/slurm/run.sh [ITEMS] [SNAKEMAKE_VENV]
#
# Needs a release build (swift build -c release; ORCHESTRATE_BIN picks another binary) and, for the peer, a venv holding
# `snakemake>=9,<10 snakemake-executor-plugin-slurm` (pip); without it only orchestrate runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
items=${1:-200}
snakemake_venv=${2:-}
work=$(mktemp -d /tmp/orchestrate-bench-slurm.XXXXXX)
cluster="$work/cluster"
trap '"$root/scripts/slurm-cluster.sh" stop "$cluster"; rm -rf "$work"' EXIT
mkdir -p "$cluster" "$work/o/data" "$work/s/data"
# Snakemake's plugin wants MinJobAge >= 120 s to trust squeue (no accounting storage here).
SLURM_MIN_JOB_AGE=300 "$root/scripts/slurm-cluster.sh" start "$cluster" >/dev/null
export SLURM_CONF="$cluster/slurm.conf"
for i in $(seq -w 1 "$items"); do echo "$i" >"$work/o/data/$i.txt"; echo "$i" >"$work/s/data/$i.txt"; done

# Counts sbatch and squeue calls through wrappers first on PATH.
mkdir -p "$work/bin"
for tool in sbatch squeue; do
    cat >"$work/bin/$tool" <<SH
#!/bin/sh
echo x >>"$work/$tool-calls"
exec /usr/bin/$tool "\$@"
SH
    chmod +x "$work/bin/$tool"
done
# Snakemake's job step (snakemake-executor-plugin-slurm-jobstep) strips every SLURM_* variable,
# SLURM_CONF included, before its inner srun; on a cluster named by SLURM_CONF (not /etc/slurm)
# that srun cannot find the controller. The wrapper puts it back.
cat >"$work/bin/srun" <<SH
#!/bin/sh
SLURM_CONF="$SLURM_CONF" exec /usr/bin/srun "\$@"
SH
chmod +x "$work/bin/srun"

# One orchestrate run in a fresh folder: LABEL, then the stage's `resources:` (empty: the default).
run_orchestrate() {
    local label=$1 resources=$2 dir="$work/o-$1"
    mkdir -p "$dir/ends"
    cp -r "$work/o/data" "$dir/data"
    cat >"$dir/p.yaml" <<YAML
version: 1
name: trivial
stages:
  copy:
    uses: exec
    foreach: "data/*.txt"
    $resources
    with:
      argv: [sh, -c, 'cp "\$0" "\$1/copy.txt"; date +%s.%N > "\$2/\$3"', "\${item.path}", "\${out}", "$dir/ends", "\${item.name}"]
YAML
    rm -f "$work/sbatch-calls" "$work/squeue-calls"
    local start end
    start=$(date +%s.%N)
    (cd "$dir" && PATH="$work/bin:$PATH" /usr/bin/time -f "%U %S" -o "$dir/cpu" \
        "${ORCHESTRATE_BIN:-$root/.build/release/orchestrate}" run p.yaml --executor slurm >/dev/null 2>"$dir/err") \
        || { cat "$dir/err"; exit 1; }
    end=$(date +%s.%N)
    orchestrate_s=$(echo "$end - $start" | bc)
    # From each item's command ending (in its job) to its commit in the database.
    local latency
    latency=$(sqlite3 "$dir/.orchestrate/orchestrate.sqlite" "SELECT item_key, updated_at FROM items" | while IFS='|' read -r key committed; do
        echo "$committed - $(cat "$dir/ends/$key")" | bc
    done | sort -n | awk '{ v[NR] = $1 } END { printf "end of command to commit: median %.2fs, max %.2fs", v[int((NR + 1) / 2)], v[NR] }')
    echo "orchestrate ($label): $items items in ${orchestrate_s}s (driver CPU $(awk '{ print $1 + $2 }' "$dir/cpu")s)," \
        "$(wc -l <"$work/sbatch-calls") sbatch, $(wc -l <"$work/squeue-calls" 2>/dev/null || echo 0) squeue calls; $latency; $(tail -1 "$dir/err")"
}
run_orchestrate "one job per item" "resources: {array: 1}"
run_orchestrate "job arrays" ""
# As many tasks as the node has CPUs (16), each running its share of the items one after another.
run_orchestrate "job arrays, batches of $(((items + 15) / 16))" "resources: {batch: $(((items + 15) / 16))}"

[ -n "$snakemake_venv" ] || exit 0
cat >"$work/s/Snakefile" <<'SMK'
import glob, os
KEYS = sorted(os.path.basename(p)[:-4] for p in glob.glob("data/*.txt"))
rule all:
    input: expand("out/{k}/copy.txt", k=KEYS)
rule copy:
    input: "data/{k}.txt"
    output: "out/{k}/copy.txt"
    resources: mem_mb=100, runtime=5
    shell: "cp {input} {output}"
SMK
rm -f "$work/squeue-calls"
start=$(date +%s.%N)
# sacct exits 1 without accounting storage: the plugin's squeue status command, no account lookup.
(cd "$work/s" && PATH="$work/bin:$PATH" "$snakemake_venv/bin/snakemake" --executor slurm --jobs 256 --latency-wait 5 \
    --slurm-status-command squeue --slurm-no-account --default-resources slurm_partition=debug \
    >"$work/s.log" 2>&1) || { tail -30 "$work/s.log"; exit 1; }
end=$(date +%s.%N)
snakemake_s=$(echo "$end - $start" | bc)
calls=$(wc -l <"$work/squeue-calls" 2>/dev/null || echo 0)
echo "snakemake:   $items items in ${snakemake_s}s, $calls squeue calls"
echo "ratio (snakemake / orchestrate wall time): $(echo "scale=2; $snakemake_s / $orchestrate_s" | bc)"
