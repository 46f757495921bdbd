#!/usr/bin/env bash
# Makes the two 8B-geometry Q4_K_M GGUF files (random weights) used by benchmarks/bench_8b.py:
#   OUT_DIR/llada-8b-geometry.Q4_K_M.gguf and OUT_DIR/llama-8b-geometry.Q4_K_M.gguf
# (~4.5 GiB each; the F16 intermediates, ~15 GiB each, are deleted after quantisation).
# Needs python with gguf and llama-cpp-python as pinned in scripts/fixtures/requirements-8b.txt
# (PYTHON, default /tmp/llamacpp-venv/bin/python if present, else .venv/bin/python).
# Usage: scripts/make-8b-geometry.sh [OUT_DIR] [extra arguments of make_8b_geometry.py]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/8b}"
shift || true
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x /tmp/llamacpp-venv/bin/python ]]; then PYTHON=/tmp/llamacpp-venv/bin/python; else PYTHON=.venv/bin/python; fi
fi
exec nice -n 5 "$PYTHON" scripts/fixtures/make_8b_geometry.py --out "$out" "$@"
