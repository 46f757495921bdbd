#!/usr/bin/env bash
# The whole test suite: Swift unit/fixture tests, then the Python interop and reference checks
# (h5py, xarray, numpy) and the notebook on a small sweep. Fails if any part fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-browser
# The real-model checks (GGUF table, tokenizer and logits against llama.cpp) need the default
# model; tests skip with a message when it is absent, so a failed fetch only warns.
PYTHON=.venv/bin/python scripts/fetch-model.sh >/dev/null || echo "warning: model fetch failed; real-model tests will skip" >&2
# llama.cpp's vocabulary tests (ggml-vocab-*.gguf with .inp/.out) for LlamaCppVocabularyTests;
# they skip with a message when the files are absent.
PYTHON=.venv/bin/python scripts/fetch-vocab-tests.sh >/dev/null || echo "warning: vocabulary test fetch failed; LlamaCppVocabularyTests will skip" >&2

artifacts=$(mktemp -d "${TMPDIR:-/tmp}/ropescope-test.XXXXXX")
trap 'rm -rf "$artifacts"' EXIT
export ROPESCOPE_ARTIFACT_DIR="$artifacts"

echo "== swift test" >&2
swift build --build-tests
swift test --skip-build 2>&1 | tee "$artifacts/swift-test.log"

echo "== python tests" >&2
export ROPESCOPE_BIN="$(swift build --show-bin-path)/ropescope"
export ROPESCOPE_REQUIRE_BROWSER=1  # the report render test fails, not skips, without chromium
.venv/bin/python -m pytest -q Tests/python

echo "== fuzz (short budget)" >&2
# libFuzzer + AddressSanitizer on the GGUF reader, the dequantisers and the tokenizers, seeded
# from the committed corpus (Fuzz/corpus); the long runs recorded in the README use the same
# script with RUNS=1000000. Linux only (the toolchain's libclang_rt.fuzzer_no_main).
if [[ "$(uname -s)" == Linux ]]; then
    FUZZ_SECONDS="${FUZZ_SECONDS:-10}" scripts/fuzz.sh all
fi
