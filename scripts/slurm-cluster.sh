#!/bin/sh
# A private one-node Slurm cluster for tests and benchmarks, without systemd.
#
#   scripts/slurm-cluster.sh start DIR [--cgroup]   # prints the slurm.conf path on stdout
#   scripts/slurm-cluster.sh stop DIR
#   scripts/slurm-cluster.sh stop-controller DIR | start-controller DIR
#   scripts/slurm-cluster.sh kill-node DIR | start-node DIR
#
# Everything lives under DIR: a private munge socket and key, slurm.conf, state, spool, logs.
# Clients reach the cluster through SLURM_CONF=DIR/slurm.conf. Installs nothing: the Debian
# packages slurmctld, slurmd, slurm-client and munge come from scripts/setup.sh.
# --cgroup enables the cgroup task plugin, so a job over its --mem is killed (OUT_OF_MEMORY).
# SLURM_MIN_JOB_AGE (default 30) is how long squeue still lists an ended job.
set -eu

command=${1:?usage: slurm-cluster.sh start|stop|stop-controller|start-controller|kill-node|start-node DIR}
dir=${2:?a cluster folder}
for tool in munged slurmctld slurmd sbatch; do
    command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
done

# Starts a daemon with no descriptor of ours beyond stdio (itself /dev/null and a log): a caller
# that waits for our end through a descriptor (Foundation's Process does) would otherwise wait
# for the daemons too.
detached() {
    python3 -c 'import os, sys; os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])' "$@" \
        </dev/null >>"$dir/daemons.out" 2>&1
}

pid_of() { [ -f "$dir/$1.pid" ] && cat "$dir/$1.pid" || true; }

stop_daemon() {
    pid=$(pid_of "$1")
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    # Daemons exit within a second or two; SIGKILL what is left.
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/$1.pid"
}

# Waits until `scontrol ping` answers (the controller is up) or gives up after 10 s.
wait_controller() {
    for _ in $(seq 100); do
        SLURM_CONF="$dir/slurm.conf" scontrol ping 2>/dev/null | grep -q UP && return 0
        sleep 0.1
    done
    echo "slurm-cluster: slurmctld did not answer; see $dir/slurmctld.log" >&2
    return 1
}

# Waits until the node is idle (slurmd registered).
wait_node() {
    for _ in $(seq 100); do
        state=$(SLURM_CONF="$dir/slurm.conf" sinfo -h -N -o %T 2>/dev/null || true)
        case "$state" in idle*|mixed*|allocated*) return 0 ;; esac
        sleep 0.1
    done
    echo "slurm-cluster: the node did not register (state '$state'); see $dir/slurmd.log" >&2
    return 1
}

start_controller() {
    detached slurmctld -f "$dir/slurm.conf" -i
    # -i ignores saved state's errors; pid file appears once it forked.
    wait_controller
}

start_node() {
    detached slurmd -f "$dir/slurm.conf" -N node1
    wait_node
}

write_config() {
    cgroup=$1
    ports=$(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')
    set -- $ports
    memory=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
    task=task/none
    [ "$cgroup" = yes ] && task=task/cgroup
    cat >"$dir/slurm.conf" <<EOF
ClusterName=orchestrate-test
SlurmctldHost=$(hostname)(127.0.0.1)
SlurmctldPort=$1
SlurmdPort=$2
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmUser=$(id -un)
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=$task
SwitchType=switch/none
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
MinJobAge=${SLURM_MIN_JOB_AGE:-30}
ReturnToService=2
SlurmdTimeout=5
SlurmctldTimeout=5
MessageTimeout=5
KillWait=2
InactiveLimit=0
SlurmdParameters=config_overrides
NodeName=node1 NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=16 RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
    if [ "$cgroup" = yes ]; then
        cat >"$dir/cgroup.conf" <<EOF
CgroupPlugin=autodetect
CgroupMountpoint=/sys/fs/cgroup
ConstrainRAMSpace=yes
ConstrainSwapSpace=yes
AllowedSwapSpace=0
IgnoreSystemd=yes
EOF
    fi
}

case $command in
start)
    cgroup=no
    [ "${3:-}" = --cgroup ] && cgroup=yes
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
    chmod 700 "$dir/munge"
    [ -f "$dir/munge/munge.key" ] || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
    chmod 600 "$dir/munge/munge.key"
    detached munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
        --pid-file="$dir/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
    write_config "$cgroup"
    start_controller
    start_node
    echo "$dir/slurm.conf"
    ;;
stop)
    # Jobs first, so that no job outlives its node's daemon.
    [ -f "$dir/slurm.conf" ] && SLURM_CONF="$dir/slurm.conf" scancel --quiet --user="$(id -un)" 2>/dev/null || true
    stop_daemon slurmd
    stop_daemon slurmctld
    stop_daemon munged
    ;;
stop-controller) stop_daemon slurmctld ;;
start-controller) start_controller ;;
kill-node)
    pid=$(pid_of slurmd)
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/slurmd.pid"
    ;;
start-node) start_node ;;
*)
    echo "slurm-cluster: unknown command '$command'" >&2
    exit 2
    ;;
esac
