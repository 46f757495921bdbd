"""notebooks-export/rope_sweep.py runs headless as a plain script on small sweeps: every figure
is written as a real PNG when its data is there, and is skipped with a note when it is not."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks-export" / "rope_sweep.py"
FIGURES = ["wavelength_per_pair", "coverage_yarn_factors", "coverage_methods", "out_of_range_vs_target",
           "kernel_spectra", "conditioning"]
FULL = {
    "name": "notebook-small",
    "rotary_dimensions": [32],
    "bases": [10000.0],
    "train_length": 256,
    "target_lengths": [512, 2048],
    "methods": [
        {"spec": "none"},
        {"spec": "linear", "factor_from_length": True},
        {"spec": "yarn", "factors": [2, 8]},
        {"spec": "diffusion-ntk"},
    ],
    "spectrum": {"length": 512},
    "conditioning": {"length": 512},
}
# No spectra, no conditioning, no YaRN, and a second geometry that the figures leave out.
BARE = {**FULL, "name": "notebook-bare", "rotary_dimensions": [16, 32],
        "methods": [{"spec": "none"}, {"spec": "ntk", "factor_from_length": True}]}
del BARE["spectrum"], BARE["conditioning"]


def run_notebook(ropescope, tmp_path, config):
    (tmp_path / "config.json").write_text(json.dumps(config))
    sweep = tmp_path / "sweep.h5"
    ropescope("sweep", "--config", tmp_path / "config.json", "--output", sweep)
    figures = tmp_path / "figures"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    env.update(ROPESCOPE_SWEEP=str(sweep), ROPESCOPE_FIGURES=str(figures), MPLCONFIGDIR=str(tmp_path / "mpl"))
    result = subprocess.run([sys.executable, str(NOTEBOOK)], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"notebook exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return figures, result.stdout


def assert_png(path):
    assert path.exists(), f"missing {path.name}"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    # A titled, labelled matplotlib figure at 100 dpi is tens of KiB; an empty canvas is ~2 KiB.
    assert len(data) > 8_000, f"{path.name} is only {len(data)} bytes"


def test_notebook_writes_every_figure(ropescope, tmp_path):
    figures, stdout = run_notebook(ropescope, tmp_path, FULL)
    for name in FIGURES:
        assert_png(figures / f"{name}.png")
    assert "skipping" not in stdout, stdout
    assert "per-target figures at T=2048" in stdout


@pytest.mark.parametrize("config", [BARE], ids=["no-spectra-no-conditioning-no-yarn"])
def test_notebook_skips_figures_without_data(ropescope, tmp_path, config):
    figures, stdout = run_notebook(ropescope, tmp_path, config)
    for name in ("wavelength_per_pair", "coverage_methods", "out_of_range_vs_target"):
        assert_png(figures / f"{name}.png")
    for name in ("coverage_yarn_factors", "kernel_spectra", "conditioning"):
        assert not (figures / f"{name}.png").exists()
        assert f"skipping {name}" in stdout, stdout
    assert "rows of other geometries are not drawn" in stdout
