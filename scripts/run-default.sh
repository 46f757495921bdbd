#!/usr/bin/env bash
# The main job on its embedded default: builds ropescope (release) and runs the default sweep
# (SmolLM2-135M geometry, every scaling method, 16K-128K targets), writing out/sweep-default.h5
# and printing a summary. Extra arguments go to `ropescope sweep`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-python
swift build -c release --product ropescope >&2
mkdir -p out
"$(swift build -c release --show-bin-path)/ropescope" sweep --output out/sweep-default.h5 "$@"
