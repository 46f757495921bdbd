"""notebooks-export/rope_sweep.py runs headless as a plain script on small sweeps: every figure
is written as a real PNG when its data is there, and is skipped with a note when it is not."""
import json
from pathlib import Path

import pytest

from notebook_checks import assert_png, run_notebook_script

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
    return run_notebook_script(NOTEBOOK, tmp_path, ROPESCOPE_SWEEP=str(sweep))



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
