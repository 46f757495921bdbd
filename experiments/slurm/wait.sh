#!/usr/bin/env bash
# Waits until the given Slurm jobs (array jobs included) have left the queue, then reports the
# final state of every job/task from `scontrol show job` (works without accounting/slurmdbd while
# the controller keeps finished jobs: MinJobAge).
#
#   experiments/slurm/wait.sh [--timeout SECONDS] JOBID...
#
# Exit status: 0 when every job and array task is COMPLETED; 1 when any ended otherwise (its
# state and reason are printed); 124 when the jobs are still queued or running after the timeout
# (default 600 s); 64 for a usage error.
set -euo pipefail
timeout_s=600
if [ "${1:-}" = --timeout ]; then timeout_s=${2:?--timeout needs seconds}; shift 2; fi
[ $# -ge 1 ] || { echo "usage: $0 [--timeout SECONDS] JOBID..." >&2; exit 64; }
for id in "$@"; do
    case "$id" in ''|*[!0-9]*) echo "error: job id '$id': allowed a number" >&2; exit 64 ;; esac
done
jobs=$(IFS=,; echo "$*")
start=$SECONDS
while :; do
    queued=$(squeue --noheader --jobs="$jobs" --format=%i 2>/dev/null | wc -l)
    [ "$queued" -eq 0 ] && break
    if (( SECONDS - start >= timeout_s )); then
        echo "wait: timeout after ${timeout_s}s, still queued or running:" >&2
        squeue --jobs="$jobs" >&2 || true
        exit 124
    fi
    sleep 1
done
status=0
for id in "$@"; do
    records=$(scontrol --oneliner show job "$id" 2>&1) || { echo "wait: no record of job $id: $records" >&2; status=1; continue; }
    while IFS= read -r record; do
        [ -n "$record" ] || continue
        job=$(sed -n 's/.*\bJobId=\([0-9]*\).*/\1/p' <<< "$record")
        task=$(sed -n 's/.*\bArrayTaskId=\([^ ]*\).*/\1/p' <<< "$record")
        state=$(sed -n 's/.*\bJobState=\([A-Z_]*\).*/\1/p' <<< "$record")
        reason=$(sed -n 's/.*\bReason=\([^ ]*\).*/\1/p' <<< "$record")
        exit_code=$(sed -n 's/.*\bExitCode=\([^ ]*\).*/\1/p' <<< "$record")
        label="job $job${task:+ (array $id task $task)}"
        echo "wait: $label: $state exit $exit_code${reason:+ reason $reason}" >&2
        [ "$state" = COMPLETED ] || status=1
    done <<< "$records"
done
echo "wait: done in $(( SECONDS - start ))s" >&2
exit "$status"
