#!/usr/bin/env bash
# Renders the sample `validate --report` (LLaDA-8B geometry to 128K, bidirectional, the plan in
# experiments/validate) with headless Chromium into notebooks-export/validate-report-llada-128k.png
# (the top of the page: verdict, ranking, first figures). Needs chromium (scripts/setup.sh --with-browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${ROPESCOPE_BIN:-$(swift build --show-bin-path)/ropescope}"
work=$(mktemp -d "${TMPDIR:-/tmp}/ropescope-sample.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin" validate --plan experiments/validate/llada-8b-128k-bidirectional.json --report "$work/report.html" >/dev/null
HOME="$work" chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile" --window-size=1100,3000 --screenshot="$work/page.png" "file://$work/report.html" 2>/dev/null
.venv/bin/python - "$work/page.png" notebooks-export/validate-report-llada-128k.png <<'PY'
import sys
from PIL import Image
page = Image.open(sys.argv[1]).convert("RGB")
page.crop((0, 0, page.width, min(page.height, 3000))).save(sys.argv[2], optimize=True)
PY
echo "wrote notebooks-export/validate-report-llada-128k.png"
