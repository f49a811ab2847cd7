#!/bin/bash
# Slurm's own cost of running many small items, by the shape of the submission, on the private
# one-node cluster: ITEMS trivial commands (copy one small file) as one job each, as one job
# array, and as BATCHES jobs that each run their share one after another. No orchestrate: this
# isolates what the shape costs Slurm (submissions, job launches) from what the driver does.
#
#   bench/slurm/shapes.sh [ITEMS] [BATCHES]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
items=${1:-200}
batches=${2:-16}
work=$(mktemp -d /tmp/orchestrate-bench-shapes.XXXXXX)
cluster="$work/cluster"
trap '"$root/scripts/slurm-cluster.sh" stop "$cluster"; rm -rf "$work"' EXIT
mkdir -p "$cluster" "$work/data"
"$root/scripts/slurm-cluster.sh" start "$cluster" >/dev/null
export SLURM_CONF="$cluster/slurm.conf"
for i in $(seq 0 $((items - 1))); do echo "$i" >"$work/data/$i"; done

# Waits until every item of SHAPE has copied its file; prints the seconds since START.
wait_done() {
    local shape=$1 start=$2
    until [ "$(find "$work/$shape" -type f | wc -l)" -ge "$items" ]; do sleep 0.05; done
    echo "$(date +%s.%N) - $start" | bc
}

measure() {
    local shape=$1 start
    mkdir -p "$work/$shape"
    start=$(date +%s.%N)
    case $shape in
    jobs)
        for i in $(seq 0 $((items - 1))); do
            sbatch --parsable --output=/dev/null --wrap="cp $work/data/$i $work/jobs/$i" >/dev/null
        done ;;
    array)
        sbatch --parsable --output=/dev/null --array=0-$((items - 1)) \
            --wrap="cp $work/data/\$SLURM_ARRAY_TASK_ID $work/array/\$SLURM_ARRAY_TASK_ID" >/dev/null ;;
    batches)
        for b in $(seq 0 $((batches - 1))); do
            sbatch --parsable --output=/dev/null \
                --wrap="for i in \$(seq $b $batches $((items - 1))); do cp $work/data/\$i $work/batches/\$i; done" >/dev/null
        done ;;
    esac
    local submitted
    submitted=$(echo "$(date +%s.%N) - $start" | bc)
    echo "$shape: submitted in ${submitted}s, all done after $(wait_done "$shape" "$start")s"
}

measure jobs
measure array
measure batches
