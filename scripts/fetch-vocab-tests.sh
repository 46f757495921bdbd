#!/usr/bin/env bash
# Fetch llama.cpp's vocabulary test files (models/ggml-vocab-*.gguf with their .inp/.out cases)
# for the tokenizer tests (LlamaCppVocabularyTests).
#
# They ship inside the source distribution of llama-cpp-python (vendor/llama.cpp/models/). This
# script downloads that sdist with pip (no dependencies, no build), checks its SHA-256, and
# extracts the vocabulary files into Tests/Fixtures/ggml-vocab/ (git-ignored). The directory is
# replaced atomically (extract to a temporary directory, then rename), and a stamp file records
# the sdist hash, so a second run with the files in place does nothing.
#
# Environment:
#   PYTHON   python interpreter with pip (default: .venv/bin/python if present, else python3)
set -euo pipefail

readonly PKG_NAME="llama-cpp-python"
readonly PKG_VERSION="0.3.36"
readonly SDIST="llama_cpp_python-${PKG_VERSION}.tar.gz"
readonly SDIST_SHA256="832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
readonly MEMBER_DIR="llama_cpp_python-${PKG_VERSION}/vendor/llama.cpp/models"

die() {
    echo "fetch-vocab-tests: error: $*" >&2
    exit 1
}

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${repo_root}/Tests/Fixtures/ggml-vocab"
stamp="${target}/.sdist.sha256"
default_python=python3
[[ -x "${repo_root}/.venv/bin/python" ]] && default_python="${repo_root}/.venv/bin/python"
PYTHON="${PYTHON:-${default_python}}"

if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${SDIST_SHA256}" ]]; then
    echo "${target}"
    exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/ropescope-vocab.XXXXXX")"
trap 'rm -rf "${work}"' EXIT

echo "fetch-vocab-tests: downloading ${PKG_NAME}==${PKG_VERSION} (source distribution, about 77 MB)" >&2
# --no-binary for this package only: the sdist is what holds vendor/llama.cpp/models. pip
# prepares its metadata (scikit-build-core from wheels) but builds nothing.
nice -n 5 "${PYTHON}" -m pip download --quiet --disable-pip-version-check --no-deps \
    --no-binary "${PKG_NAME}" "${PKG_NAME}==${PKG_VERSION}" -d "${work}/download" >&2 \
    || die "pip download of ${PKG_NAME}==${PKG_VERSION} failed"
sdist="${work}/download/${SDIST}"
[[ -f "${sdist}" ]] || die "pip did not produce ${SDIST}"
actual="$(sha256sum "${sdist}" | cut -d' ' -f1)"
[[ "${actual}" == "${SDIST_SHA256}" ]] || die "${SDIST} has SHA-256 ${actual}, expected ${SDIST_SHA256}"

mkdir -p "${work}/extract"
tar -xzf "${sdist}" -C "${work}/extract" --wildcards "${MEMBER_DIR}/ggml-vocab-*" \
    || die "could not extract ${MEMBER_DIR}/ggml-vocab-* from ${SDIST}"
staged="${work}/ggml-vocab"
mv "${work}/extract/${MEMBER_DIR}" "${staged}"
count=$(find "${staged}" -name 'ggml-vocab-*.gguf' | wc -l)
(( count > 0 )) || die "${SDIST} holds no ggml-vocab-*.gguf"
printf '%s\n' "${SDIST_SHA256}" > "${staged}/.sdist.sha256"
printf 'llama.cpp vocabulary tests from %s==%s (%s), MIT licence (llama.cpp)\n' \
    "${PKG_NAME}" "${PKG_VERSION}" "${SDIST}" > "${staged}/SOURCE"

mkdir -p "$(dirname "${target}")"
old="${work}/old"
[[ -e "${target}" ]] && mv "${target}" "${old}"
mv "${staged}" "${target}"
echo "fetch-vocab-tests: ${count} vocabularies in ${target}" >&2
echo "${target}"
