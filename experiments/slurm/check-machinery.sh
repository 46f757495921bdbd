#!/usr/bin/env bash
# Checks the Slurm machinery of this folder end to end on a real cluster, without needing
# `ropescope probe perplexity`/`merge`: ROPESCOPE_SLURM_STANDIN=1 makes every array task run
# `ropescope rope --preset smollm2-135m --target-length 32k --rope ntk:factor=4 --json` into
# $OUT/shard-i.json and the dependent job concatenate them into $OUT/grid.json.
#
#   experiments/slurm/check-machinery.sh              # brings up a local cluster (scripts/slurm-local.sh, root)
#   experiments/slurm/check-machinery.sh --on-cluster # uses the cluster sbatch already talks to
#
# It asserts that: every task i of n ran once with SLURM_ARRAY_TASK_ID=i and COUNT=n and wrote
# shard-i; the merge job started only after the last task ended and saw all n shards in order;
# each shard's output equals the same command run here; and a failing array leaves the merge job
# cancelled and no merged file. Run from anywhere; ROPESCOPE_BIN names the binary (default: the
# SwiftPM debug build). Exit 0 on success, 1 on a failed check.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ "${1:-}" != --on-cluster ]; then
    exec "$root/scripts/slurm-local.sh" "$here/check-machinery.sh" --on-cluster
fi
cd "$root"
ROPESCOPE=${ROPESCOPE_BIN:-$(swift build --show-bin-path 2>/dev/null)/ropescope}
[ -x "$ROPESCOPE" ] || { echo "error: no ropescope binary at '$ROPESCOPE' (swift build, or set ROPESCOPE_BIN)" >&2; exit 66; }
export ROPESCOPE ROPESCOPE_SLURM_STANDIN=1 CONFIG="$here/tiny-grid.env" SHARDS=3 CPUS_PER_TASK=1
PYTHON=${PYTHON:-$root/.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
work=$(mktemp -d "${TMPDIR:-/tmp}/ropescope-slurm-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "check-machinery: FAILED: $*" >&2; exit 1; }

echo "== array of $SHARDS stand-in shards + dependent merge" >&2
start=$SECONDS
ids=$(OUT="$work/ok" "$here/submit.sh") || fail "submit.sh failed"
eval "$ids"
"$here/wait.sh" --timeout 300 "$ARRAY_JOB" "$MERGE_JOB" || fail "jobs did not all complete (logs: $work/ok/logs)"
echo "== jobs finished in $(( SECONDS - start ))s" >&2
"$ROPESCOPE" rope --preset smollm2-135m --target-length 32k --rope ntk:factor=4 --json > "$work/local.json"
scontrol --oneliner show job "$ARRAY_JOB" > "$work/array.txt"
scontrol --oneliner show job "$MERGE_JOB" > "$work/merge.txt"
"$PYTHON" - "$work/ok/grid.json" "$work/local.json" "$SHARDS" "$ARRAY_JOB" "$work/array.txt" "$work/merge.txt" <<'PY' || fail "merged output does not match"
import datetime, json, re, sys
grid_path, local_path, shards, array_job, array_txt, merge_txt = sys.argv[1:]
shards, array_job = int(shards), int(array_job)
grid = json.load(open(grid_path))
local = json.load(open(local_path))
assert len(grid) == shards, f"{len(grid)} shards merged, expected {shards}"
for i, shard in enumerate(grid):
    assert shard["task_id"] == i and shard["task_count"] == shards and shard["shard"] == f"{i}/{shards}", shard
    assert shard["array_job_id"] == array_job, (shard["array_job_id"], array_job)
    assert shard["rope"] == local, f"shard {i}: output differs from the local run"
def times(path, key):
    return [datetime.datetime.fromisoformat(m) for m in re.findall(rf"\b{key}=(\S+)", open(path).read())]
last_end = max(times(array_txt, "EndTime"))
merge_start = min(times(merge_txt, "StartTime"))
assert len(times(array_txt, "EndTime")) == shards, "not one record per array task"
assert merge_start >= last_end, f"merge started {merge_start} before the last shard ended {last_end}"
print(f"check-machinery: {shards} shards merged in order, each equal to the local run; merge started {merge_start.time()} >= last shard end {last_end.time()}")
PY

echo "== a failing array: the merge must not run" >&2
ids=$(OUT="$work/bad" ROPESCOPE=/bin/false "$here/submit.sh") || fail "submit.sh failed"
eval "$ids"
if "$here/wait.sh" --timeout 300 "$ARRAY_JOB" "$MERGE_JOB"; then fail "a failing array reported success"; fi
merge_state=$(scontrol --oneliner show job "$MERGE_JOB" | sed -n 's/.*\bJobState=\([A-Z_]*\).*/\1/p')
[ "$merge_state" = CANCELLED ] || fail "merge job after a failed array is '$merge_state', expected CANCELLED"
[ ! -e "$work/bad/grid.json" ] || fail "a merged file exists although the array failed"
echo "check-machinery: failing array -> merge job $merge_state, no grid.json" >&2
echo "check-machinery: OK ($(( SECONDS - start ))s)" >&2
