"""experiments/smollm2-passkey.sh runs end to end on a tiny model (every spec it names, one file),
and notebooks-export/passkey.py draws its three heatmaps headless from that file after checking
the cell summaries against the per-trial values."""
import os
import subprocess

from conftest import REPO, _binary
from netcdf_checks import open_clean
from notebook_checks import assert_png, run_notebook_script
from tiny_gguf import write_tiny_llama

NOTEBOOK = REPO / "notebooks-export" / "passkey.py"
SCRIPT = REPO / "experiments" / "smollm2-passkey.sh"
FIGURES = ["passkey_exact_match", "passkey_log_prob", "passkey_rank"]


def test_experiment_script_and_notebook_run_on_a_tiny_model(tmp_path):
    model = write_tiny_llama(tmp_path / "tiny.gguf", context_length=64)
    output = tmp_path / "passkey.h5"
    env = dict(os.environ, B=str(_binary()), M=str(model), LENGTHS="320,400", DEPTHS="0,1", TRIALS="2",
               DISTRACTORS="3", FACTOR="4", OUT=str(output))
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    ds = open_clean(output)
    assert ds.sizes["spec"] == 5 and len(set(ds["spec"].values.tolist())) == 5
    assert ds["context_length"].values.tolist() == [320, 400]
    assert ds["depth"].values.tolist() == [0, 1]
    figures, stdout = run_notebook_script(NOTEBOOK, tmp_path, ROPESCOPE_PASSKEY=str(output))
    assert "cell summaries agree" in stdout
    for name in FIGURES:
        assert_png(figures / f"{name}.png")


def test_experiment_script_refuses_a_missing_model(tmp_path):
    env = dict(os.environ, B=str(_binary()), M=str(tmp_path / "absent.gguf"), OUT=str(tmp_path / "p.h5"))
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 66
    assert "scripts/fetch-model.sh" in result.stderr
    assert not (tmp_path / "p.h5").exists()
