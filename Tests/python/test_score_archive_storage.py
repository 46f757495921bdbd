"""`score --output` on the default model: appendable variables are chunked along the appended axis
and compressed (shuffle + deflate), so one 16-token window is a small file (it was 2.1 MB of
uncompressed 1 MiB chunks), the values round-trip, and xarray opens it without phony dimensions.
Skipped with a message when the model is absent.
"""
import json
import math

import h5py
import numpy as np
import pytest
import xarray as xr

from conftest import REPO

MODEL = REPO / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
TEXT = "The quick brown fox jumps over the lazy dog and runs far away into the night."


def test_one_window_is_small_compressed_and_round_trips(ropescope, tmp_path):
    if not MODEL.exists():
        pytest.skip(f"needs the default model ({MODEL}); fetch it with scripts/fetch-model.sh")
    output = tmp_path / "score.h5"
    report = ropescope("score", MODEL, "--text", TEXT, "--context-length", "16", "--json", "--output", output,
                       parse_json=True)
    assert report["windows"] == 1
    size = output.stat().st_size
    assert size < 64 * 1024, f"{size} bytes for one 16-token window"
    with h5py.File(output, "r") as archive:
        for name in ("nll", "token_id"):
            dataset = archive[name]
            assert dataset.compression == "gzip" and dataset.shuffle, name
            assert dataset.chunks[0] > 1, f"{name}: chunk {dataset.chunks} is not long along the window axis"
            assert math.prod(dataset.chunks) * dataset.dtype.itemsize <= 128 * 1024, f"{name}: chunk {dataset.chunks}"
    dataset = xr.open_dataset(output, engine="h5netcdf")
    assert not [d for d in dataset.dims if str(d).startswith("phony_dim")], dataset.dims
    nll = dataset["nll"].values
    assert nll.shape == (1, 16)
    assert np.isnan(nll[0, 0]), "the first target of a window is not scored"
    scored = nll[~np.isnan(nll)]
    assert scored.size == report["tokens_scored"]
    assert np.mean(scored) == pytest.approx(report["mean_nll"], rel=1e-12, abs=0)
