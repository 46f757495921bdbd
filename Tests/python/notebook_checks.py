"""Shared by the notebook tests: run a jupytext notebook headless as a script, and check a PNG."""
import os
import subprocess
import sys


def run_notebook_script(notebook, tmp_path, **environment):
    """Runs `notebook` with the Agg backend and ROPESCOPE_FIGURES=tmp_path/figures plus
    `environment`; asserts exit 0 and returns (figures folder, stdout)."""
    figures = tmp_path / "figures"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    env.update(ROPESCOPE_FIGURES=str(figures), MPLCONFIGDIR=str(tmp_path / "mpl"), **environment)
    result = subprocess.run([sys.executable, str(notebook)], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"notebook exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return figures, result.stdout


def assert_png(path):
    assert path.exists(), f"missing {path.name}"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    # A titled, labelled matplotlib figure at 100 dpi is tens of KiB; an empty canvas is ~2 KiB.
    assert len(data) > 8_000, f"{path.name} is only {len(data)} bytes"
