#!/usr/bin/env bash
# Build out/long-text.txt, the long text of experiments/validate/smollm2-32k.json: the GNU Coding
# Standards (Debian package gnu-standards, HTML converted to plain text by scripts/fetch-corpus.sh),
# one coherent document of 225 641 bytes = 59 348 SmolLM2 tokens (gnu-standards 2022.03.23-0.1),
# so one 32K window that never crosses a document boundary.
# Also writes out/long-text.MANIFEST.json (package versions and .deb SHA-256 from fetch-corpus.sh)
# and prints the text's SHA-256. Needs what scripts/fetch-corpus.sh needs (apt-get, python3).
# Usage: scripts/make-long-text.sh [OUT_FILE]   (default out/long-text.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-out/long-text.txt}
work=$(mktemp -d "${TMPDIR:-/tmp}/ropescope-long-text.XXXXXX")
trap 'rm -rf "$work"' EXIT
scripts/fetch-corpus.sh "$work/corpus" >/dev/null
source="$work/corpus/gnu-standards.txt"
[ -s "$source" ] || { echo "error: fetch-corpus.sh wrote no gnu-standards.txt" >&2; exit 65; }
mkdir -p "$(dirname "$target")"
cp "$work/corpus/MANIFEST.json" "${target%.txt}.MANIFEST.json"
cp "$source" "$target.tmp" && mv "$target.tmp" "$target"
echo "wrote $target ($(wc -c < "$target") bytes, sha256 $(sha256sum "$target" | cut -d' ' -f1))"
