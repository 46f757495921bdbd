"""`probe interference` files open as clean netCDF-4 in xarray, their aggregates equal a numpy
recomputation from the per-token arrays, the mask + restart cell is zero up to float rounding, the
SmolLM2 experiment script runs end to end on a tiny model (every spec it names), and
notebooks-export/interference.py draws its figures headless from those files."""
import os
import subprocess

import numpy as np

from conftest import REPO, _binary
from netcdf_checks import open_clean
from notebook_checks import assert_png, run_notebook_script
from tiny_gguf import _UINT32, write_tiny_llama

NOTEBOOK = REPO / "notebooks-export" / "interference.py"
SCRIPT = REPO / "experiments" / "smollm2-interference.sh"
FIGURES = ["interference_by_document_position", "interference_by_window_position", "interference_summary"]
DOCUMENTS = ["The ferry leaves at seven.", "Bread needs flour, water, salt and yeast.", "def f(x):\n    return x",
             "The committee met on Tuesday.", "Mercury is the smallest planet.", "Dear Sam, thank you for the books."]


def fortunes(tmp_path):
    path = tmp_path / "fortunes.txt"
    path.write_text("\n%\n".join(DOCUMENTS) + "\n%\n")
    return path


def tiny_model(tmp_path):
    # An EOS id so that --packing eod works without --eod-token.
    return write_tiny_llama(tmp_path / "tiny.gguf", extra={"tokenizer.ggml.eos_token_id": (_UINT32, 10)})


def test_archive_is_clean_netcdf_and_its_aggregates_are_the_tokens_regrouped(ropescope, tmp_path):
    output = tmp_path / "interference.h5"
    report = ropescope("probe", "interference", tiny_model(tmp_path), "--text-file", fortunes(tmp_path), "--separator", "%",
                       "--context-length", "40,80", "--seed", "4", "--output", output, "--json", parse_json=True)
    ds = open_clean(output)
    assert list(ds["packing"].values) == ["direct", "eod", "mask"]
    assert list(ds["positions"].values) == ["continue", "restart"]
    assert list(ds["context_length"].values) == [40, 80]
    assert ds["mean_delta_nll"].dims == ("packing", "positions", "context_length")
    assert ds["delta_nll_by_position"].dims == ("packing", "positions", "context_length", "document_position_bin",
                                                "window_position_bin")
    assert ds.sizes["document"] == len(DOCUMENTS)
    assert ds["mean_delta_nll"].attrs["units"] == "nats"
    counts = ds["token_count"].values.astype(int)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    delta = ds["token_delta_nll"].values
    np.testing.assert_allclose(delta, ds["token_nll_packed"].values - ds["token_nll_alone"].values, rtol=0, atol=1e-12)
    edges = ds["document_position_bin"].values
    cells = report["cells"]
    assert len(cells) == ds.sizes["cell"] == 12
    for flat, cell in enumerate(cells):
        values = delta[offsets[flat]:offsets[flat + 1]]
        p, q, c = cell["packing"], cell["positions"], cell["context_length"]
        assert cell["tokens"] == len(values) == int(ds["tokens"].sel(packing=p, positions=q, context_length=c))
        np.testing.assert_allclose(cell["mean_delta_nll"], values.mean(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(float(ds["max_abs_delta_nll"].sel(packing=p, positions=q, context_length=c)),
                                   np.abs(values).max(), rtol=1e-12, atol=1e-15)
        positions = ds["token_document_position"].values[offsets[flat]:offsets[flat + 1]]
        bins = np.clip(np.searchsorted(edges, positions, side="right") - 1, 0, len(edges) - 1)
        stored = ds["delta_nll_by_document_position"].sel(packing=p, positions=q, context_length=c).values
        for b in range(len(edges)):
            if (bins == b).any():
                np.testing.assert_allclose(stored[b], values[bins == b].mean(), rtol=1e-12, atol=1e-15)
            else:
                assert np.isnan(stored[b])
        if p == "mask" and q == "restart":
            assert np.abs(values).max() < 1e-4, "mask + restart must not change a document's NLL"
        # Every document's tokens are scored once per cell; positions in document start at 1.
        assert positions.min() == 1
    # Each document lies in exactly one window per length.
    for c in ds["context_length"].values:
        windows = ds["document_window"].sel(context_length=c).values
        assert (windows >= 0).all() and windows.max() + 1 == int(ds["windows"].sel(packing="mask", positions="restart", context_length=c))


def test_experiment_script_and_notebook_run_on_a_tiny_model(tmp_path):
    out = tmp_path / "runs"
    env = dict(os.environ, B=str(_binary()), M=str(tiny_model(tmp_path)), DOCS=str(fortunes(tmp_path)), LENGTHS="48,96",
               EOD="10", OUT=str(out))
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    files = sorted(out.glob("*.h5"))
    assert [f.stem for f in files] == sorted(["none", "ntk2", "yarn2", "critical-ntk", "diffusion-ntk"])
    specs = {open_clean(f)["cell_spec"].values[0] for f in files}
    assert len(specs) == 5, specs
    figures, stdout = run_notebook_script(NOTEBOOK, tmp_path, ROPESCOPE_INTERFERENCE=",".join(map(str, files)))
    assert "binned curves agree" in stdout
    for name in FIGURES:
        assert_png(figures / f"{name}.png")


def test_experiment_script_refuses_missing_documents(tmp_path):
    env = dict(os.environ, B=str(_binary()), DOCS=str(tmp_path / "absent"), OUT=str(tmp_path / "runs"))
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 66
    assert "apt-get install fortunes" in result.stderr
