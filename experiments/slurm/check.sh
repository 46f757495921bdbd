#!/usr/bin/env bash
# The real end-to-end check of the Slurm path (issue 8 §4): brings up a local single-node Slurm
# (scripts/slurm-local.sh, root), submits the tiny grid (tiny-grid.env: SmolLM2-135M, 2 specs ×
# 2 lengths, 2 shards) as a job array with a dependent merge (submit.sh), waits (wait.sh, with a
# timeout), runs the same grid locally in one process, and compares the merged file with the local
# one variable by variable (compare_grids.py: equal values).
#
#   experiments/slurm/check.sh              # local cluster
#   experiments/slurm/check.sh --on-cluster # the cluster sbatch already talks to (shared filesystem)
#
# Needs `ropescope probe perplexity` and `ropescope merge`, the model (scripts/fetch-model.sh) and
# .venv (xarray, h5netcdf). ROPESCOPE_BIN names the binary (default: the SwiftPM debug build).
# Exit 0 when the files agree, 1 when a check failed, 66 when an input is missing, 69 when the
# binary lacks `probe perplexity` or `merge`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ "${1:-}" != --on-cluster ]; then
    exec "$root/scripts/slurm-local.sh" "$here/check.sh" --on-cluster
fi
cd "$root"
ROPESCOPE=${ROPESCOPE_BIN:-$(swift build --show-bin-path 2>/dev/null)/ropescope}
[ -x "$ROPESCOPE" ] || { echo "error: no ropescope binary at '$ROPESCOPE' (swift build, or set ROPESCOPE_BIN)" >&2; exit 66; }
export ROPESCOPE CONFIG="$here/tiny-grid.env" CPUS_PER_TASK=1
for verb in "probe perplexity" merge; do
    # The help is read whole before it is searched: `--help | grep -q` under pipefail fails with
    # SIGPIPE (141) once the help is longer than one pipe write and grep stops at the first match.
    # shellcheck disable=SC2086
    usage=$("$ROPESCOPE" $verb --help 2>/dev/null || true)
    grep -q "USAGE: ropescope $verb" <<< "$usage" \
        || { echo "error: '$ROPESCOPE' has no \`$verb\` (experiments/slurm/check-machinery.sh checks the Slurm path without it)" >&2; exit 69; }
done
# shellcheck source=common.sh
. "$here/common.sh"
[ -r "$MODEL" ] || { echo "error: model '$MODEL' is absent (scripts/fetch-model.sh)" >&2; exit 66; }
PYTHON=${PYTHON:-$root/.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/ropescope-slurm-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "check: FAILED: $*" >&2; exit 1; }

start=$SECONDS
ids=$(OUT="$work/slurm" "$here/submit.sh") || fail "submit.sh failed"
eval "$ids"
"$here/wait.sh" --timeout 600 "$ARRAY_JOB" "$MERGE_JOB" || { tail -n 20 "$work"/slurm/logs/*.out >&2 || true; fail "jobs did not all complete"; }
[ -f "$work/slurm/grid.h5" ] || fail "no merged grid.h5"
echo "== Slurm: $SHARDS shards + merge in $(( SECONDS - start ))s" >&2

# The same grid in one process, with the shards' BLAS thread count.
local_start=$SECONDS
OPENBLAS_NUM_THREADS=$CPUS_PER_TASK "$ROPESCOPE" probe perplexity "$MODEL" "${text_args[@]}" "${rope_args[@]}" \
    --context-length "$LENGTHS" --output "$work/local.h5" "${probe_extra[@]}" || fail "local run failed"
echo "== local run in $(( SECONDS - local_start ))s" >&2

"$PYTHON" "$here/compare_grids.py" "$work/slurm/grid.h5" "$work/local.h5" || fail "merged grid differs from the local run"
echo "check: OK, merged Slurm grid equals the local run ($(( SECONDS - start ))s)" >&2
