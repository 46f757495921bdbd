#!/usr/bin/env bash
# Passkey retrieval on SmolLM2-135M (`ropescope probe passkey`), inside its trained context
# (T_train = 8192) and past it, under none / ntk / yarn / critical-ntk / diffusion-ntk: one file,
# spec × context length × depth × trial. notebooks-export/passkey.py draws the heatmaps.
#
# Environment (defaults in brackets): B [.build/release/ropescope], M
# [models/SmolLM2-135M-Instruct.Q4_1.gguf], LENGTHS [2048,4096,8192,16384], DEPTHS
# [0,0.25,0.5,0.75,1], TRIALS [3], DISTRACTORS [9], SEED [0], FACTOR [2: the factor of ntk and yarn,
# i.e. 16384 / 8192], OUT [out/passkey-smollm2.h5].
# Cost (causal): per trial one prefill of L tokens plus (1 + distractors) × 6 cached decode steps;
# the prefill dominates: 5 specs × 5 depths × 3 trials × (2048 + 4096 + 8192 + 16384) tokens ≈ 2.3M
# prompt tokens, about 2–3 hours of a release build on 2 cores (prefill at 180–480 tok/s depending
# on L, see README Performance). Lower TRIALS or LENGTHS for a first look.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-.build/release/ropescope}
M=${M:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
LENGTHS=${LENGTHS:-2048,4096,8192,16384}
DEPTHS=${DEPTHS:-0,0.25,0.5,0.75,1}
TRIALS=${TRIALS:-3}
DISTRACTORS=${DISTRACTORS:-9}
SEED=${SEED:-0}
FACTOR=${FACTOR:-2}
OUT=${OUT:-out/passkey-smollm2.h5}

if [ ! -f "$M" ]; then
    echo "error: no model at $M: run scripts/fetch-model.sh or set M=FILE.gguf" >&2
    exit 66
fi
mkdir -p "$(dirname "$OUT")"
"$B" probe passkey "$M" --context-length "$LENGTHS" --depth "$DEPTHS" --trials "$TRIALS" \
    --distractors "$DISTRACTORS" --seed "$SEED" \
    --rope none --rope "ntk:factor=$FACTOR" --rope "yarn:factor=$FACTOR" --rope critical-ntk --rope diffusion-ntk \
    --output "$OUT"
echo "ROPESCOPE_PASSKEY=$OUT .venv/bin/python notebooks-export/passkey.py"
