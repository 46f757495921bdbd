#!/usr/bin/env bash
# The miniature UltraLLaDA reproduction (issue 12 §3), one command:
#   1. corpus: Debian fortunes + GNU standards (scripts/fetch-corpus.sh) for SCALE=full, the committed
#      generator scripts/fixtures/twin_corpus.py for SCALE=smoke; its validation split (every 10th
#      document, never trained on) is written by heldout.py for the probes;
#   2. pre-train an autoregressive (`--objective ar`) and a masked-diffusion twin at PRE_LENGTH;
#   3. post-train each for POST_LENGTH (4×) under {none, linear, ntk, yarn, critical-ntk,
#      diffusion-ntk} × {direct, eod, mask} for every seed of SEEDS, on an equal budget;
#   4. run `probe perplexity|passkey|interference|attention --json` on every checkpoint (the
#      pre-trained twins too); notebooks-export/miniature_ultrallada.py summarises OUT.
# Resumable: every output is written atomically and skipped when it exists ("skip: …" on stderr);
# an interrupted training run restarts from its last --checkpoint-every checkpoint (--resume).
# Lanes: several invocations into the same OUT share the work (with THREADS=1 each, two lanes have
# ~1.45x the throughput of one 2-thread process on 2 cores): the preparation (corpus, held-out split,
# configurations) runs under a lock, every training run and probe is claimed with a lock file
# (flock, released when its lane ends, however it ends) so that another lane skips it, and a lane
# that needs a checkpoint another lane is training waits for it. TWINS restricts a lane to one twin.
#
# Environment (defaults: smoke / full): SCALE [full], OUT [out/miniature], ROPESCOPE_BIN
# [.build/release/ropescope], THREADS [1 / 2], TWINS ["ar llada"], SEEDS [1 / "1 2"] (post-training
# seeds), PRE_SEED [1], CONFIG [Tests/Fixtures/training/tiny.json / experiments/miniature-ultrallada/twin.json],
# PRE_LENGTH [32 / 256], PRE_STEPS [3 / 6000], CHECKPOINT_EVERY [0 / 100], POST_LENGTH [128 / 1024],
# POST_STEPS [2 / 80], POST_BATCH [2 / 4], POST_WARMUP [1 / 10], PPL_LENGTHS [32,128,256 /
# 256,1024,2048,4096], PPL_WINDOWS [1 / 3], SAMPLES [2 / 8] (masked-diffusion passes per window, exact
# counts), IF_SAMPLES [2 / 4] (the same for interference, whose ΔNLL is paired: same masks alone and
# packed), PASSKEY_LENGTHS [128,256 / 256,1024,4096], PASSKEY_DEPTHS [0,1 / 0,0.5,1], PASSKEY_TRIALS
# [1 / 3], DISTRACTORS [2 / 4], INTERFERENCE_LENGTHS [128 / 1024], INTERFERENCE_DOCS [6 / 64],
# INTERFERENCE_BYTES [60 / 400] (longest document), ATTENTION_LENGTHS [32,128 / 256,1024,4096],
# LOCAL_WINDOW [8 / 64], CORPUS [OUT/corpus]. See README.md beside this script for the budget arithmetic.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
SCALE=${SCALE:-full}
case "$SCALE" in
    smoke) d_threads=1 d_seeds=1 d_config=Tests/Fixtures/training/tiny.json d_pre_length=32 d_pre_steps=3 d_ckpt=0
           d_post_length=128 d_post_steps=2 d_post_batch=2 d_post_warmup=1 d_ppl=32,128,256 d_windows=1 d_samples=2
           d_if_samples=2 d_pk_lengths=128,256 d_pk_depths=0,1 d_pk_trials=1 d_distractors=2 d_if_lengths=128 d_if_docs=6 d_if_bytes=60
           d_at_lengths=32,128 d_local=8 ;;
    full)  d_threads=2 d_seeds="1 2" d_config=experiments/miniature-ultrallada/twin.json d_pre_length=256
           d_pre_steps=6000 d_ckpt=100 d_post_length=1024 d_post_steps=80 d_post_batch=4 d_post_warmup=10 d_ppl=256,1024,2048,4096
           d_windows=3 d_samples=8 d_if_samples=4 d_pk_lengths=256,1024,4096 d_pk_depths=0,0.5,1 d_pk_trials=3
           d_distractors=4 d_if_lengths=1024 d_if_docs=64 d_if_bytes=400 d_at_lengths=256,1024,4096 d_local=64 ;;
    *) echo "error: SCALE=$SCALE: allowed smoke, full" >&2; exit 64 ;;
esac
OUT=${OUT:-out/miniature}
BIN=${ROPESCOPE_BIN:-.build/release/ropescope}
THREADS=${THREADS:-$d_threads}
SEEDS=${SEEDS:-$d_seeds}
TWINS=${TWINS:-ar llada}
for twin in $TWINS; do
    case "$twin" in ar|llada) ;; *) echo "error: TWINS=$TWINS: allowed ar, llada or both" >&2; exit 64 ;; esac
done
PRE_SEED=${PRE_SEED:-1}
CONFIG=${CONFIG:-$d_config}
PRE_LENGTH=${PRE_LENGTH:-$d_pre_length}
PRE_STEPS=${PRE_STEPS:-$d_pre_steps}
CHECKPOINT_EVERY=${CHECKPOINT_EVERY:-$d_ckpt}
POST_LENGTH=${POST_LENGTH:-$d_post_length}
POST_STEPS=${POST_STEPS:-$d_post_steps}
POST_BATCH=${POST_BATCH:-$d_post_batch}
POST_WARMUP=${POST_WARMUP:-$d_post_warmup}
PPL_LENGTHS=${PPL_LENGTHS:-$d_ppl}
PPL_WINDOWS=${PPL_WINDOWS:-$d_windows}
SAMPLES=${SAMPLES:-$d_samples}
IF_SAMPLES=${IF_SAMPLES:-$d_if_samples}
PASSKEY_LENGTHS=${PASSKEY_LENGTHS:-$d_pk_lengths}
PASSKEY_DEPTHS=${PASSKEY_DEPTHS:-$d_pk_depths}
PASSKEY_TRIALS=${PASSKEY_TRIALS:-$d_pk_trials}
DISTRACTORS=${DISTRACTORS:-$d_distractors}
INTERFERENCE_LENGTHS=${INTERFERENCE_LENGTHS:-$d_if_lengths}
INTERFERENCE_DOCS=${INTERFERENCE_DOCS:-$d_if_docs}
INTERFERENCE_BYTES=${INTERFERENCE_BYTES:-$d_if_bytes}
ATTENTION_LENGTHS=${ATTENTION_LENGTHS:-$d_at_lengths}
LOCAL_WINDOW=${LOCAL_WINDOW:-$d_local}
CORPUS=${CORPUS:-$OUT/corpus}
PYTHON=${PYTHON:-python3}
EOD_TOKEN=257   # <|endoftext|> of the byte vocabulary (README: Training tiny twins)
PACKINGS="direct eod mask"
SPECS="none linear ntk yarn critical-ntk diffusion-ntk"

if [ ! -x "$BIN" ]; then
    echo "error: no ropescope binary at $BIN: run 'swift build -c release --product ropescope' or set ROPESCOPE_BIN" >&2
    exit 66
fi
if [ $((POST_LENGTH % PRE_LENGTH)) -ne 0 ]; then
    echo "error: POST_LENGTH=$POST_LENGTH is not a multiple of PRE_LENGTH=$PRE_LENGTH" >&2
    exit 64
fi
FACTOR=$((POST_LENGTH / PRE_LENGTH))
export OPENBLAS_NUM_THREADS=$THREADS
mkdir -p "$OUT"/checkpoints "$OUT"/probes "$OUT"/configs "$OUT"/logs
started=$(date +%s)
trained=0 probed=0 skipped=0

log() { echo "$*" >&2; }
# timed NAME KIND command...: runs the command, appends "KIND NAME SECONDS" to OUT/times.tsv.
timed() {
    local name=$1 kind=$2 t0 t1 status=0
    shift 2
    t0=$(date +%s.%N)
    "$@" || status=$?
    t1=$(date +%s.%N)
    [ "$status" -eq 0 ] || return "$status"
    awk -v kind="$kind" -v name="$name" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s\t%s\t%.3f\n", kind, name, b - a }' \
        >> "$OUT/times.tsv"
}
# spec_string NAME: the --rope spec of a post-training run (lengths from the checkpoint's
# trained context T = PRE_LENGTH to POST_LENGTH). critical-ntk: LongLLaDA's causal rule
# (range-multiplier 1); diffusion-ntk: UltraLLaDA's doubled range (T_cap = 2T, T_Ecap = 2T').
spec_string() {
    case "$1" in
        none) echo none ;;
        linear|ntk|yarn) echo "$1:factor=$FACTOR" ;;
        critical-ntk) echo "critical-ntk:train-length=$PRE_LENGTH,target-length=$POST_LENGTH,range-multiplier=1" ;;
        diffusion-ntk) echo "diffusion-ntk:train-length=$PRE_LENGTH,target-length=$POST_LENGTH,range-multiplier=2" ;;
    esac
}
objective_of() { [ "$1" = ar ] && echo ar || echo masked-diffusion; }

# --- record the machine and the settings -------------------------------------------------------
# Everything up to the training grid is shared by the lanes: one lane prepares it, under a lock.
exec 9> "$OUT/.prepare.lock"
flock 9
spec_json=$(for spec in $SPECS; do printf '"%s": "%s", ' "$spec" "$(spec_string "$spec")"; done)
[ -s "$OUT/machine.json" ] || "$BIN" system --json > "$OUT/machine.json"
# settings.json: written on the first run; a later run into the same OUT must have the same
# settings (the binary path aside), else its outputs would mix two experiments: refused (64).
"$PYTHON" - "$OUT/settings.json" <<EOF || exit 64
import json, sys
from pathlib import Path
settings = dict(scale="$SCALE", binary="$BIN", threads=$THREADS, seeds=[int(s) for s in "$SEEDS".split()],
                pre_seed=$PRE_SEED, config="$CONFIG", pre_length=$PRE_LENGTH, pre_steps=$PRE_STEPS,
                post_length=$POST_LENGTH, post_steps=$POST_STEPS, post_batch=$POST_BATCH, post_warmup=$POST_WARMUP,
                factor=$FACTOR, specs="$SPECS".split(), packings="$PACKINGS".split(), twins=["ar", "llada"],
                spec_strings={${spec_json%, }}, ppl_lengths=[$PPL_LENGTHS], ppl_windows=$PPL_WINDOWS, samples=$SAMPLES,
                interference_samples=$IF_SAMPLES,
                passkey_lengths=[$PASSKEY_LENGTHS], passkey_depths=[$PASSKEY_DEPTHS], passkey_trials=$PASSKEY_TRIALS,
                distractors=$DISTRACTORS, interference_lengths=[$INTERFERENCE_LENGTHS],
                interference_documents=$INTERFERENCE_DOCS, interference_bytes=$INTERFERENCE_BYTES,
                attention_lengths=[$ATTENTION_LENGTHS],
                local_window=$LOCAL_WINDOW, eod_token=$EOD_TOKEN, probe_seed=0)
path = Path(sys.argv[1])
if path.exists():
    old = json.loads(path.read_text())
    changed = sorted(k for k in set(old) | set(settings) if k != "binary" and old.get(k) != settings.get(k))
    if changed:
        sys.exit(f"error: {path.parent} holds a run with other settings ({', '.join(changed)}): "
                 "use another OUT or the same settings")
else:
    path.write_text(json.dumps(settings, indent=1) + "\n")
EOF

# --- corpus and held-out split ------------------------------------------------------------------
# A corpus is complete when its MANIFEST.json (fetch-corpus.sh, written last) or, for the smoke
# corpus, its .done marker exists; a user-given CORPUS with .txt files is taken as it is.
if [ -s "$CORPUS/MANIFEST.json" ] || [ -e "$CORPUS/.done" ] || { [ "$CORPUS" != "$OUT/corpus" ] &&
        [ -n "$(ls "$CORPUS"/*.txt 2>/dev/null | head -1)" ]; }; then
    log "skip: corpus $CORPUS (exists)"
elif [ "$SCALE" = smoke ]; then
    rm -rf "$CORPUS"
    "$PYTHON" scripts/fixtures/twin_corpus.py "$CORPUS" "$OUT/logs/twin-corpus-heldout.txt" >&2
    touch "$CORPUS/.done"
else
    scripts/fetch-corpus.sh "$CORPUS"
fi
heldout=$OUT/heldout
if [ -s "$heldout/heldout.json" ]; then
    log "skip: held-out split $heldout (exists)"
else
    "$PYTHON" "$here/heldout.py" "$CORPUS" "$heldout" "$INTERFERENCE_DOCS" "$INTERFERENCE_BYTES" >&2
fi

# Configurations: pre-training as CONFIG with PRE_SEED; post-training per seed with the batch and
# warm-up of the post-training budget (--init ignores the model keys).
"$PYTHON" - "$CONFIG" "$OUT/configs" "$PRE_SEED" "$POST_BATCH" "$POST_WARMUP" $SEEDS <<'EOF'
import json, sys
from pathlib import Path
base = json.loads(Path(sys.argv[1]).read_text())
out, pre_seed, batch, warmup = Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
(out / "pre.json").write_text(json.dumps(dict(base, seed=pre_seed)) + "\n")
for seed in sys.argv[6:]:
    (out / f"post-seed{seed}.json").write_text(json.dumps(dict(base, seed=int(seed), batch_size=batch,
                                                                 warmup_steps=warmup)) + "\n")
EOF
flock -u 9

# claim FILE: take the lock FILE for this lane (fd in $claimed) or return 1 when another lane holds
# it; release: let it go. needs NAME: wait until no lane trains checkpoint NAME, then require it.
claim() { exec {claimed}> "$1"; flock -n "$claimed" || { exec {claimed}>&-; return 1; }; }
release() { exec {claimed}>&-; }
needs() {
    flock "$OUT/checkpoints/$1.lock" true
    [ -s "$OUT/checkpoints/$1.report.json" ] || { log "error: checkpoint $1 is not trained (see $OUT/logs/train-$1.log)"; exit 1; }
}

# train NAME ARGS...: one training run into checkpoints/NAME.gguf; done when NAME.report.json
# exists. A checkpoint without a report is an interrupted run: continue it from its last
# --checkpoint-every checkpoint with --resume (same steps, seed and streams: it ends where the
# uninterrupted run would); if that is refused (a finished or foreign state), train it again.
train() {
    local name=$1 ckpt=$OUT/checkpoints/$1
    shift
    if ! claim "$ckpt.lock"; then
        log "skip: train $name (another lane runs it)"; skipped=$((skipped + 1)); return
    fi
    if [ -s "$ckpt.report.json" ]; then
        release; log "skip: train $name (exists)"; skipped=$((skipped + 1)); return
    fi
    if [ -s "$ckpt.gguf" ] && [ -s "$ckpt.gguf.state" ]; then
        cp "$ckpt.gguf" "$ckpt.partial.gguf" && cp "$ckpt.gguf.state" "$ckpt.partial.gguf.state"
        log "resume: train $name from its last checkpoint"
        if ! train_once "$name" "$@" --init "$ckpt.partial.gguf" --resume; then
            log "resume refused (see $OUT/logs/train-$name.log): training $name from the start"
            rm -f "$ckpt.gguf" "$ckpt.gguf.state"
        fi
        rm -f "$ckpt.partial.gguf" "$ckpt.partial.gguf.state"
    fi
    if [ ! -s "$ckpt.report.json" ]; then
        log "train: $name"
        train_once "$name" "$@" || { tail -5 "$OUT/logs/train-$name.log" >&2; exit 1; }
    fi
    release
    trained=$((trained + 1))
}
train_once() {
    local name=$1 ckpt=$OUT/checkpoints/$1
    shift
    timed "$name" train "$BIN" train "$@" --data "$CORPUS" --output "$ckpt.gguf" --loss-curve "$ckpt.curve.h5" \
        --json > "$ckpt.report.tmp" 2> "$OUT/logs/train-$name.log" || { rm -f "$ckpt.report.tmp"; return 1; }
    mv "$ckpt.report.tmp" "$ckpt.report.json"
}

# probe CHECKPOINT NAME KIND ARGS...: one probe into probes/NAME/KIND.{h5,json}; done when the JSON exists.
probe() {
    local model=$1 name=$2 kind=$3 dir=$OUT/probes/$2
    shift 3
    mkdir -p "$dir"
    if ! claim "$dir/$kind.lock"; then
        log "skip: probe $kind $name (another lane runs it)"; skipped=$((skipped + 1)); return
    fi
    if [ -s "$dir/$kind.json" ]; then
        release; log "skip: probe $kind $name (exists)"; skipped=$((skipped + 1)); return
    fi
    local extra=()
    [ "$kind" = perplexity ] && [ -d "$dir/$kind.h5.journal" ] && extra=(--resume)
    log "probe: $kind $name"
    timed "$name" "probe-$kind" "$BIN" probe "$kind" "$model" "$@" "${extra[@]}" --threads "$THREADS" \
        --output "$dir/$kind.h5" --json > "$dir/$kind.tmp" 2> "$OUT/logs/probe-$kind-$name.log" || {
        tail -5 "$OUT/logs/probe-$kind-$name.log" >&2; rm -f "$dir/$kind.tmp"; exit 1; }
    mv "$dir/$kind.tmp" "$dir/$kind.json"
    release
    probed=$((probed + 1))
}

# probe_all CHECKPOINT NAME TWIN [declared]: the four probes, each at its lengths, with the twin's
# estimator. A post-trained checkpoint (4th argument `declared`) is probed under its own RoPE only;
# a pre-trained twin's perplexity and attention grids add the training-free candidates past T.
probe_all() {
    local model=$1 name=$2 twin=$3 own=()
    [ "${4:-}" = declared ] && own=(--rope declared)
    if [ "$twin" = llada ]; then
        probe "$model" "$name" perplexity --text-file "$heldout/heldout.txt" --context-length "$PPL_LENGTHS" \
            --windows "$PPL_WINDOWS" --estimator masked-diffusion --samples "$SAMPLES" --mask-count exact --seed 0 "${own[@]}"
    else
        probe "$model" "$name" perplexity --text-file "$heldout/heldout.txt" --context-length "$PPL_LENGTHS" \
            --windows "$PPL_WINDOWS" --estimator chain-rule "${own[@]}"
    fi
    # Passkey: a short needle (the default task line alone needs ~300 byte tokens; the haystack must
    # be at least as long as the needle) in a haystack of held-out text; the five-digit key is five
    # byte tokens.
    probe "$model" "$name" passkey --context-length "$PASSKEY_LENGTHS" --depth "$PASSKEY_DEPTHS" \
        --trials "$PASSKEY_TRIALS" --distractors "$DISTRACTORS" --seed 0 --haystack-file "$heldout/heldout.txt" \
        --needle " The pass key is {key}." \
        --question " What is the pass key? The pass key is" --answer " {key}"
    probe "$model" "$name" interference --documents "$heldout/heldout-docs" --context-length "$INTERFERENCE_LENGTHS" \
        --packing direct,eod,mask --positions continue,restart --eod-token "$EOD_TOKEN" --seed 0 \
        $([ "$twin" = llada ] && echo "--samples $IF_SAMPLES --mask-count exact")
    probe "$model" "$name" attention --text-file "$heldout/heldout.txt" --context-length "$ATTENTION_LENGTHS" \
        --windows 1 --local-window "$LOCAL_WINDOW" "${own[@]}"
}

# --- pre-training -------------------------------------------------------------------------------
for twin in $TWINS; do
    train "$twin-pretrain" --objective "$(objective_of $twin)" --config "$OUT/configs/pre.json" \
        --context-length "$PRE_LENGTH" --steps "$PRE_STEPS" --checkpoint-every "$CHECKPOINT_EVERY"
done

# --- post-training grid: twin × seed × spec × packing -------------------------------------------
for twin in $TWINS; do
    needs "$twin-pretrain"
    for seed in $SEEDS; do
        for spec in $SPECS; do
            for packing in $PACKINGS; do
                train "$twin-s$seed-$spec-$packing" --objective "$(objective_of $twin)" \
                    --init "$OUT/checkpoints/$twin-pretrain.gguf" --config "$OUT/configs/post-seed$seed.json" \
                    --context-length "$POST_LENGTH" --rope "$(spec_string "$spec")" --packing "$packing" \
                    --steps "$POST_STEPS"
            done
        done
    done
done

# --- probes on every checkpoint -----------------------------------------------------------------
for twin in $TWINS; do
    probe_all "$OUT/checkpoints/$twin-pretrain.gguf" "$twin-pretrain" "$twin"
    for seed in $SEEDS; do
        for spec in $SPECS; do
            for packing in $PACKINGS; do
                name=$twin-s$seed-$spec-$packing
                needs "$name"
                probe_all "$OUT/checkpoints/$name.gguf" "$name" "$twin" declared
            done
        done
    done
done

finished=$(date +%s)
flock 9
"$PYTHON" - "$OUT/run.json" "$TWINS" "$started" "$finished" "$trained" "$probed" "$skipped" <<'EOF'
import json, sys
from pathlib import Path
path = Path(sys.argv[1])
runs = json.loads(path.read_text())["invocations"] if path.exists() else []
started, finished, trained, probed, skipped = map(int, sys.argv[3:])
runs.append(dict(started=started, finished=finished, wall_seconds=finished - started, trained=trained, probed=probed,
                 skipped=skipped, twins=sys.argv[2].split()))
# wall_seconds: the time any invocation was running (lanes overlap; intervals merged, not summed).
wall, end = 0, float("-inf")
for run in sorted(runs, key=lambda r: r["started"]):
    wall += max(0, run["finished"] - max(run["started"], end))   # the part after every earlier one ended
    end = max(end, run["finished"])
path.write_text(json.dumps(dict(invocations=runs, wall_seconds=wall), indent=1) + "\n")
EOF
log "done: $trained trained, $probed probed, $skipped skipped in $((finished - started)) s -> $OUT"
log "summarise: ROPESCOPE_MINIATURE=$OUT python3 notebooks-export/miniature_ultrallada.py"
