#!/usr/bin/env bash
# `probe attention` on SmolLM2-135M (T_train = 8192): where attention goes at 4096, 8192 (the
# trained length) and 12288 (past it) under none / ntk / yarn / critical-ntk / diffusion-ntk,
# causal and bidirectional, one window per cell (the GNU licence texts).
# notebooks-export/attention_profile.py draws the figures from out/smollm2-attention-profile.h5.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${ROPESCOPE_BIN:-.build/release/ropescope}
M=${ROPESCOPE_MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
LENGTHS=${ROPESCOPE_LENGTHS:-4096,8192,12288}
mkdir -p out
"$B" probe attention "$M" --text-file Tests/Fixtures/text/gnu-licenses.txt --context-length "$LENGTHS" \
   --rope none --rope ntk:factor=2 --rope yarn:factor=2,original-context=8192,variant=llamacpp \
   --rope critical-ntk:target-length=12288 --rope diffusion-ntk:target-length=12288 \
   --attention causal,bidirectional --windows 1 --distance-bins log --sink-tokens 4 --local-window 128 \
   --output "${ROPESCOPE_OUTPUT:-out/smollm2-attention-profile.h5}" "$@"
