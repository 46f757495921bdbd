"""notebooks-export/attention_profile.py runs headless on a tiny `probe attention` file (2 layers,
causal and bidirectional) and writes each figure as a real PNG; with one direction the comparison
is skipped with a note. The archive opens in xarray with named dimensions, and its masses agree
with the --json output. The experiments script passes the CLI's own checks (specs, flags)."""
import json
import subprocess

import numpy as np

from conftest import REPO
from netcdf_checks import open_clean
from notebook_checks import assert_png, run_notebook_script
from tiny_gguf import write_tiny_llama

NOTEBOOK = REPO / "notebooks-export" / "attention_profile.py"
SCRIPT = REPO / "experiments" / "smollm2-attention-profile.sh"
FIGURES = ["attention_mass_vs_distance", "attention_mean_distance_heatmap", "attention_causal_vs_bidirectional"]


def tiny_run(ropescope, tmp_path, attention):
    text = tmp_path / "text.txt"
    text.write_text("attention profiles draw figures. " * 12)
    model = write_tiny_llama(tmp_path / "tiny.gguf", layers=2)
    output = tmp_path / f"attention-{attention.replace(',', '-')}.h5"
    # 128 > T_train = 64 adds the standard candidates (skipped at 32 and 64).
    report = ropescope("probe", "attention", model, "--text-file", text, "--context-length", "32,64,128",
                       "--attention", attention, "--windows", "2", "--output", output, "--json", parse_json=True)
    return output, report


def test_every_figure_and_the_archive(ropescope, tmp_path):
    output, report = tiny_run(ropescope, tmp_path, "causal,bidirectional")
    ds = open_clean(output)
    assert set(ds["mass"].dims) == {"spec", "context_length", "attention", "layer", "head", "side", "distance_bin"}
    assert list(ds["distance_bin"].values) == report["distance_bins"][:-1]
    # The first bidirectional cell is spec 0 (the GGUF's own) at the shortest length.
    cell = next(c for c in report["cells"] if c["attention"] == "bidirectional" and c["layer"] == 1)
    assert cell["spec"] == str(ds["spec"].values[0]) and cell["context_length"] == 32
    mass = ds["mass"].sel(spec=ds["spec"].values[0], context_length=cell["context_length"], attention=cell["attention"],
                          layer=cell["layer"], head=cell["head"]).values.reshape(-1)
    np.testing.assert_allclose(mass, cell["mass"], rtol=1e-12, atol=0)
    causal = next(c for c in report["cells"] if c["attention"] == "causal")
    left_and_right = ds["mass"].sel(spec=ds["spec"].values[0], context_length=32, attention="causal", layer=0, head=0)
    np.testing.assert_allclose(left_and_right.values.reshape(-1), causal["mass"] + [0.0] * len(causal["mass"]), rtol=1e-12, atol=0)
    figures, _ = run_notebook_script(NOTEBOOK, tmp_path, ROPESCOPE_ATTENTION=str(output))
    for name in FIGURES:
        assert_png(figures / f"{name}.png")


def test_one_direction_skips_the_comparison_with_a_note(ropescope, tmp_path):
    output, _ = tiny_run(ropescope, tmp_path, "causal")
    figures, stdout = run_notebook_script(NOTEBOOK, tmp_path, ROPESCOPE_ATTENTION=str(output))
    assert_png(figures / "attention_mass_vs_distance.png")
    assert not (figures / "attention_causal_vs_bidirectional.png").exists()
    assert "skipped attention_causal_vs_bidirectional" in stdout


def test_experiment_script_passes_the_cli_checks(ropescope, tmp_path):
    # The real model is not needed: a tiny model and text take the same flags and specs; an
    # invalid flag or spec in the script would exit 64 before any model work.
    model = write_tiny_llama(tmp_path / "tiny.gguf")
    binary = ropescope("--version").args[0]
    result = subprocess.run(["bash", str(SCRIPT), "--json"], capture_output=True, text=True, env={
        "PATH": "/usr/bin:/bin", "ROPESCOPE_BIN": binary, "ROPESCOPE_MODEL": str(model),
        "ROPESCOPE_LENGTHS": "16", "ROPESCOPE_OUTPUT": str(tmp_path / "experiment.h5")})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {cell["spec"] for cell in report["cells"]} >= {"none"}
    assert {cell["attention"] for cell in report["cells"]} == {"causal", "bidirectional"}
