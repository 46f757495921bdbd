#!/usr/bin/env bash
# Fetch a small corpus of real documents from Debian packages for `ropescope train --data DIR`:
#   fortunes, fortunes-min  many short documents (one fortune each, split at the '%' lines;
#                           the offensive collection is not used)
#   gnu-standards           two long documents (the GNU Coding Standards and Information for
#                           Maintainers of GNU Software, HTML converted to plain text)
# Writes one UTF-8 .txt file per document into OUT_DIR (default corpus/, git-ignored) and
# OUT_DIR/MANIFEST.json with each package's version and .deb SHA-256, so a run can say exactly
# which text it trained on. Needs apt-get (Debian/Ubuntu) and python3 (standard library only).
# Usage: scripts/fetch-corpus.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-corpus}
work=$(mktemp -d "${TMPDIR:-/tmp}/ropescope-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT
packages=(fortunes fortunes-min gnu-standards)
(cd "$work" && apt-get download "${packages[@]}" >/dev/null 2>"$work/apt.log") || {
    cat "$work/apt.log" >&2
    echo "error: apt-get download ${packages[*]} failed (run 'apt-get update' first?)" >&2
    exit 69
}
mkdir -p "$work/root"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
python3 scripts/corpus_split.py "$work" "$out"
