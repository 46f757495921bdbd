#!/usr/bin/env bash
# Cross-document interference on SmolLM2-135M (`ropescope probe interference`), inside its trained
# context (4096 < T_train = 8192) and past it (16384), under none / ntk / yarn / critical-ntk /
# diffusion-ntk: one file per spec, every packing (direct, eod, mask) × position mode
# (continue, restart). notebooks-export/interference.py plots the files.
#
# Documents: Debian's `fortunes` package (apt-get install fortunes), the fortune file cut on its
# `%` lines. EOD token 0 is SmolLM2's `<|endoftext|>`, the pretraining separator (the GGUF's
# tokenizer.ggml.eos_token_id is the Instruct model's end-of-turn `<|im_end|>`, id 2).
#
# Environment (defaults in brackets): B [.build/release/ropescope], M
# [models/SmolLM2-135M-Instruct.Q4_1.gguf], DOCS [/usr/share/games/fortunes/fortunes], SEPARATOR [%],
# LENGTHS [4096,16384], EOD [0], SEED [0], OUT [out/interference].
# Cost: every document alone plus 6 passes over every window per length and spec. Debian 12's
# `fortunes` file holds 432 fortunes (24 KB, a few thousand SmolLM2 tokens): a handful of windows at
# 4096 and a single one at 16384, so about 7 × its tokens per length and spec (not timed with
# SmolLM2; a debug build took 4.5 min for both lengths on a tiny random model).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-.build/release/ropescope}
M=${M:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
DOCS=${DOCS:-/usr/share/games/fortunes/fortunes}
SEPARATOR=${SEPARATOR:-%}
LENGTHS=${LENGTHS:-4096,16384}
EOD=${EOD:-0}
SEED=${SEED:-0}
OUT=${OUT:-out/interference}
SPECS=("none" "ntk:factor=2" "yarn:factor=2,original-context=8192" "critical-ntk" "diffusion-ntk")
NAMES=("none" "ntk2" "yarn2" "critical-ntk" "diffusion-ntk")

if [ ! -f "$DOCS" ]; then
    echo "error: no documents at $DOCS: install Debian's fortunes package (apt-get install fortunes) or set DOCS=FILE" >&2
    exit 66
fi
mkdir -p "$OUT"
files=()
for i in "${!SPECS[@]}"; do
    output="$OUT/${NAMES[$i]}.h5"
    "$B" probe interference "$M" --text-file "$DOCS" --separator "$SEPARATOR" --context-length "$LENGTHS" \
        --rope "${SPECS[$i]}" --eod-token "$EOD" --seed "$SEED" --output "$output"
    files+=("$output")
done
echo "ROPESCOPE_INTERFERENCE=$(IFS=,; echo "${files[*]}") .venv/bin/python notebooks-export/interference.py"
