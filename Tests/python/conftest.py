"""Shared fixtures for the Python checks: the ropescope binary and a scratch directory.

The test command (scripts/test.sh) exports ROPESCOPE_BIN (the built executable) and
ROPESCOPE_ARTIFACT_DIR (files the Swift tests wrote for these checks).
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _binary() -> Path:
    explicit = os.environ.get("ROPESCOPE_BIN")
    if explicit:
        return Path(explicit)
    return REPO / ".build" / "debug" / "ropescope"


@pytest.fixture(scope="session")
def ropescope():
    """Callable running ropescope; returns CompletedProcess. `json=True` parses stdout."""
    binary = _binary()
    if not binary.exists():
        pytest.fail(f"ropescope binary not found at {binary}: run `swift build` or scripts/test.sh")

    def run(*args, check=True, parse_json=False):
        result = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"ropescope {' '.join(map(str, args))} exited {result.returncode}: {result.stderr}")
        return json.loads(result.stdout) if parse_json else result

    return run


@pytest.fixture(scope="session")
def artifact_dir():
    value = os.environ.get("ROPESCOPE_ARTIFACT_DIR")
    return Path(value) if value else None
