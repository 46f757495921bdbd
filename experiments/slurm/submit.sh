#!/usr/bin/env bash
# Submits a `ropescope probe perplexity` grid to Slurm: a job array with one shard per task
# (perplexity-array.sbatch) and a merge job (merge.sbatch) that runs only after every shard
# succeeded (--dependency=afterok). Prints the job ids on stdout as ARRAY_JOB=… and MERGE_JOB=…
# (eval-able); a human summary goes to stderr.
#
#   experiments/slurm/submit.sh [SBATCH_OPTION...]
#   CONFIG=experiments/slurm/tiny-grid.env experiments/slurm/submit.sh --partition=debug --time=00:10:00
#
# Parameters (MODEL, TEXT, LENGTHS, ROPE_SPECS, PROBE_ARGS, OUT, SHARDS, ROPESCOPE): environment
# or CONFIG, see common.sh. SBATCH_OPTIONs (partition, account, time, qos, ...) go to both jobs;
# sbatch's own SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT variables work too.
# CPUS_PER_TASK (default 2) sets --cpus-per-task of the shards; SHARD_PARALLEL caps how many run
# at once (--array=0-(n-1)%k).
set -euo pipefail
ROPESCOPE_SLURM_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ROPESCOPE_SLURM_HOME
# shellcheck source=common.sh
. "$ROPESCOPE_SLURM_HOME/common.sh"
require MODEL TEXT LENGTHS OUT
case "$SHARDS" in ''|*[!0-9]*) echo "error: SHARDS='$SHARDS': allowed an integer >= 1" >&2; exit 64 ;; esac
[ "$SHARDS" -ge 1 ] || { echo "error: SHARDS=$SHARDS: allowed an integer >= 1" >&2; exit 64; }
command -v sbatch >/dev/null 2>&1 || { echo "error: sbatch not found (is this a Slurm login node? locally: scripts/slurm-local.sh)" >&2; exit 69; }

mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd)
# Everything the jobs read travels in their environment (--export=ALL).
export ROPESCOPE MODEL TEXT LENGTHS ROPE_SPECS PROBE_ARGS OUT SHARDS
[ -n "${CONFIG:-}" ] && export CONFIG

array="0-$((SHARDS - 1))"
[ -n "${SHARD_PARALLEL:-}" ] && array="$array%$SHARD_PARALLEL"
array_job=$(sbatch --parsable --export=ALL --array="$array" --cpus-per-task="${CPUS_PER_TASK:-2}" \
    --output="$OUT/logs/shard-%a.out" "$@" "$ROPESCOPE_SLURM_HOME/perplexity-array.sbatch")
array_job=${array_job%%;*}
merge_job=$(sbatch --parsable --export=ALL --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \
    --output="$OUT/logs/merge.out" "$@" "$ROPESCOPE_SLURM_HOME/merge.sbatch")
merge_job=${merge_job%%;*}

echo "array job $array_job: $SHARDS shards -> $OUT/shard-{0..$((SHARDS - 1))}; merge job $merge_job (afterok:$array_job) -> $OUT/grid; logs in $OUT/logs" >&2
echo "ARRAY_JOB=$array_job"
echo "MERGE_JOB=$merge_job"
