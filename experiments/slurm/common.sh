# Shared by perplexity-array.sbatch, merge.sbatch, submit.sh and the checks: reads the grid's
# parameters. Sourced, not run.
#
# Parameters come from the environment; CONFIG may name a bash file that sets defaults for them
# (written as `: "${NAME:=value}"`, so the environment still wins; see tiny-grid.env):
#   ROPESCOPE    the ropescope binary (default: `ropescope` on PATH)
#   MODEL        GGUF model file (required)
#   TEXT         text file(s) for --text-file, whitespace-separated (required)
#   LENGTHS      --context-length list, e.g. 2k,4k,8k,16k (required)
#   ROPE_SPECS   RoPE specs, whitespace-separated, one --rope each (empty: the probe's default grid)
#   PROBE_ARGS   further options for `probe perplexity`, whitespace-separated (e.g. --position-bins 16)
#   OUT          output directory on a filesystem every node sees (required)
#   SHARDS       number of array tasks = shards (submit.sh; default 4)
# Relative paths are relative to the directory sbatch was called from (the jobs' working
# directory), so call submit.sh from the repository root or use absolute paths.
# ROPESCOPE_SLURM_STANDIN=1 replaces the probe and the merge by a stand-in (see README.md).

if [ -n "${CONFIG:-}" ]; then
    [ -r "$CONFIG" ] || { echo "error: CONFIG file '$CONFIG' is not readable" >&2; exit 66; }
    # shellcheck disable=SC1090
    . "$CONFIG"
fi
: "${ROPESCOPE:=ropescope}"
: "${ROPE_SPECS:=}"
: "${PROBE_ARGS:=}"
: "${SHARDS:=4}"

# require NAME...: every named parameter is set and non-empty.
require() {
    local name
    for name in "$@"; do
        [ -n "${!name:-}" ] || { echo "error: $name is not set (see experiments/slurm/README.md)" >&2; exit 64; }
    done
}

# Arrays of command-line words built from the whitespace-separated parameters.
read -r -a text_args_list <<< "${TEXT:-}"
text_args=()
for file in "${text_args_list[@]}"; do text_args+=(--text-file "$file"); done
read -r -a rope_list <<< "$ROPE_SPECS"
rope_args=()
for spec in "${rope_list[@]}"; do rope_args+=(--rope "$spec"); done
read -r -a probe_extra <<< "$PROBE_ARGS"
