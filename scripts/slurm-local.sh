#!/usr/bin/env bash
# Bring up a real single-node Slurm cluster from Debian's packages, run one command against it,
# and tear the cluster down again, whatever happens.
#
#   scripts/slurm-local.sh COMMAND [ARG...]
#   scripts/slurm-local.sh bash -c 'sbatch --wrap hostname && squeue'
#
# What it does:
#   1. Installs `slurm-wlm` and `munge` with apt-get when any of their programs is missing (as root;
#      through sudo otherwise).
#   2. Makes a private run directory (mktemp -d): a fresh 1 KiB MUNGE key, munged on a private socket,
#      and a slurm.conf (auth over that socket; state, spool, pid and log files in the run directory;
#      two free TCP ports on 127.0.0.1; one node with this machine's cores and memory; partition
#      `debug`; no cgroups, no accounting).
#   3. Starts munged, slurmctld and slurmd in the foreground of background jobs (their pids are
#      this script's children), and waits until `sinfo` reports the node idle.
#   4. Runs COMMAND with SLURM_CONF pointing at the private slurm.conf, so sbatch, squeue, sinfo and
#      scancel inside it talk to this cluster; ROPESCOPE_SLURM_DIR names the run directory.
#   5. On exit (normal, error, SIGINT, SIGTERM): cancels remaining jobs, stops slurmd, slurmctld and
#      munged by their pids, and removes the run directory (kept, with its logs, when
#      ROPESCOPE_SLURM_KEEP=1 or when bring-up failed and ROPESCOPE_SLURM_KEEP is not 0).
#
# Nothing outside the run directory is written (apart from the package installation), so the
# script is idempotent and two copies can run at once. It never touches /etc/slurm or a system
# munged. The daemons need root (slurmd starts jobs as the submitting user); run it as root.
#
# Exit status: COMMAND's, or 69 when the cluster could not be brought up (the reason and the tail
# of the daemon logs go to stderr), 64 for a usage error.
#
# Environment: ROPESCOPE_SLURM_TIMEOUT (seconds to wait for the node, default 60),
# ROPESCOPE_SLURM_KEEP (1: keep the run directory), ROPESCOPE_SLURM_CPUS (CPUs of the node,
# default nproc).
set -euo pipefail

usage() { echo "usage: $0 COMMAND [ARG...]   (runs COMMAND against a temporary single-node Slurm cluster)" >&2; exit 64; }
[ $# -ge 1 ] || usage
case "$1" in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac

log() { echo "slurm-local: $*" >&2; }
fail() { log "$*"; exit 69; }

readonly programs=(slurmctld slurmd sbatch squeue sinfo scancel scontrol munged munge unmunge)

install_packages() {
    local missing=()
    for program in "${programs[@]}"; do
        command -v "$program" >/dev/null 2>&1 || [ -x "/usr/sbin/$program" ] || missing+=("$program")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing slurm-wlm and munge (missing: ${missing[*]})"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || fail "slurm-wlm/munge are not installed and this is not root (no sudo either)"
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || fail "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >&2 \
        || fail "apt-get install slurm-wlm munge failed"
}

install_packages
export PATH="$PATH:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || fail "the Slurm daemons must run as root (slurmd launches jobs as the submitting user); rerun with sudo"
id munge >/dev/null 2>&1 || fail "user 'munge' is missing (it comes with the munge package)"

# A TCP port on 127.0.0.1 that nothing listens on (connect refused), from a range away from
# Slurm's defaults so that a system cluster on 6817/6818 is left alone.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$(( 20000 + RANDOM % 20000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    done
    fail "no free TCP port found on 127.0.0.1"
}

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/ropescope-slurm.XXXXXX")
chmod 755 "$run_dir"
pids=()         # daemons we started, stopped in reverse order
brought_up=0

teardown() {
    local status=$?
    trap - EXIT INT TERM
    if [ -f "$run_dir/slurm.conf" ] && [ ${#pids[@]} -ge 2 ]; then
        # Jobs still queued or running die with the cluster.
        SLURM_CONF="$run_dir/slurm.conf" timeout 10 scancel --quiet --full --user="$(id -un)" 2>/dev/null || true
    fi
    local i
    for (( i=${#pids[@]}-1; i>=0; i-- )); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
    for (( i=${#pids[@]}-1; i>=0; i-- )); do
        for _ in $(seq 1 50); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "${pids[$i]}" 2>/dev/null || true
        wait "${pids[$i]}" 2>/dev/null || true
    done
    if [ "${ROPESCOPE_SLURM_KEEP:-}" = 1 ] || { [ "$brought_up" = 0 ] && [ "${ROPESCOPE_SLURM_KEEP:-}" != 0 ]; }; then
        log "run directory kept: $run_dir"
    else
        rm -rf "$run_dir"
    fi
    exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_logs() {
    local file
    for file in "$run_dir"/log/*.log; do
        [ -f "$file" ] || continue
        echo "---- tail of $file" >&2
        tail -n 20 "$file" >&2
    done
}

host=$(hostname -s)
cpus=${ROPESCOPE_SLURM_CPUS:-$(nproc)}
# RealMemory: what is available now less 1 GiB, at least 512 MB (memory is not a consumable here).
available_mb=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
memory_mb=$(( available_mb > 1536 ? available_mb - 1024 : 512 ))
controller_port=$(free_port)
node_port=$(free_port)
while [ "$node_port" = "$controller_port" ]; do node_port=$(free_port); done

mkdir -p "$run_dir"/{munge,munge-socket,state,spool,log}
chown munge:munge "$run_dir/munge" "$run_dir/munge-socket"
chmod 700 "$run_dir/munge"
chmod 755 "$run_dir/munge-socket"   # munged wants its socket's directory searchable by all
# A fresh key for this cluster only: 1 KiB of random bytes, owned by munge, mode 400.
head -c 1024 /dev/urandom > "$run_dir/munge/munge.key"
chown munge:munge "$run_dir/munge/munge.key"
chmod 400 "$run_dir/munge/munge.key"
socket="$run_dir/munge-socket/munge.socket"
touch "$run_dir/log/munged.log"
chown munge:munge "$run_dir/log/munged.log"

cat > "$run_dir/slurm.conf" <<EOF
# Written by scripts/slurm-local.sh for a temporary single-node cluster.
ClusterName=ropescope-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$controller_port
SlurmdPort=$node_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$run_dir/state
SlurmdSpoolDir=$run_dir/spool
SlurmctldPidFile=$run_dir/slurmctld.pid
SlurmdPidFile=$run_dir/slurmd.pid
SlurmctldLogFile=$run_dir/log/slurmctld.log
SlurmdLogFile=$run_dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$run_dir/slurm.conf"
export ROPESCOPE_SLURM_DIR="$run_dir"

# munged as the munge user, on the private socket and key (log/munged.log must be writable by munge).
# setpriv execs munged itself (no wrapper process), so $! is munged's pid.
setpriv --reuid=munge --regid=munge --init-groups munged --foreground --socket="$socket" \
    --key-file="$run_dir/munge/munge.key" --pid-file="$run_dir/munge/munged.pid" \
    --log-file="$run_dir/log/munged.log" --seed-file="$run_dir/munge/munged.seed" \
    >>"$run_dir/log/munged.stdout" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$socket" ] && break; sleep 0.1; done
if ! munge --socket="$socket" -n </dev/null | unmunge --socket="$socket" >/dev/null 2>&1; then
    show_logs
    fail "munged did not start (a credential did not decode)"
fi

slurmctld -D -c -f "$SLURM_CONF" >>"$run_dir/log/slurmctld.stdout" 2>&1 &
pids+=($!)
slurmd -D -N "$host" -f "$SLURM_CONF" >>"$run_dir/log/slurmd.stdout" 2>&1 &
pids+=($!)

timeout_s=${ROPESCOPE_SLURM_TIMEOUT:-60}
start=$SECONDS
state=""
while (( SECONDS - start < timeout_s )); do
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || { show_logs; fail "a Slurm daemon exited during bring-up"; }
    done
    state=$(sinfo --noheader --nodes="$host" --format=%t 2>/dev/null | head -n 1 || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
if [ "$state" != idle ]; then
    show_logs
    fail "node $host not idle after ${timeout_s}s (state: '${state:-no answer}')"
fi
brought_up=1
log "cluster up in $(( SECONDS - start ))s: node $host, $cpus CPUs, partition debug, ports $controller_port/$node_port, SLURM_CONF=$SLURM_CONF"

set +e
"$@"
status=$?
set -e
exit "$status"
