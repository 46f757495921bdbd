"""`score`: the --output file opens in xarray and h5py with every axis labelled (restricted hook
axes get their own dimension and coordinates), non-finite results exit 65 naming where they
arose, and the README's spec tour runs on a GGUF (trained length from the file).

Uses a tiny random-weight llama GGUF written by tiny_gguf.py (no model download needed)."""
import hashlib
import json

import h5py
import numpy as np
import pytest

from tiny_gguf import write_tiny_llama
from netcdf_checks import open_clean

TEXT = "hello world, this is a test of the probes. " * 6  # 258 byte tokens


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("score")
    write_tiny_llama(directory / "tiny.gguf")
    (directory / "text.txt").write_text(TEXT)
    return directory


def test_mixed_restricted_and_full_hooks_are_labelled(ropescope, workdir):
    output = workdir / "hooks.h5"
    ropescope("score", workdir / "tiny.gguf", "--text-file", workdir / "text.txt", "--context-length", "32",
              "--windows", "2", "--output", output,
              "--export-hooks", "blocks.0.attn.hook_pattern,blocks.0.attn.hook_q,blocks.0.hook_resid_post",
              "--hook-heads", "1", "--hook-queries", "4:9")
    ds = open_clean(output)
    assert ds["blocks.0.attn.hook_pattern"].dims == ("window", "head_sel", "query_sel", "key_position")
    assert ds["blocks.0.attn.hook_q"].dims == ("window", "position", "head", "d_head")
    assert list(ds["head"].values) == [0, 1]          # the full axis keeps every head
    assert list(ds["head_sel"].values) == [1]         # the restricted axis holds the selected head
    assert list(ds["query_sel"].values) == [4, 5, 6, 7, 8]
    assert list(ds["key_position"].values) == list(range(32))
    pattern = ds["blocks.0.attn.hook_pattern"].values
    np.testing.assert_allclose(pattern.sum(axis=-1), 1.0, atol=1e-5)  # causal softmax rows
    nll = ds["nll"].values
    assert nll.shape == (2, 32) and np.isnan(nll[:, 0]).all() and np.isfinite(nll[:, 1:]).all()
    with h5py.File(output) as f:
        for name, dataset in f.items():
            if dataset.is_scale:
                continue
            for axis, scales in enumerate(dataset.dims):
                assert len(scales) == 1, f"{name} axis {axis} has no dimension scale"


def test_plain_score_output_has_no_phony_dims(ropescope, workdir):
    output = workdir / "plain.h5"
    ropescope("score", workdir / "tiny.gguf", "--text-file", workdir / "text.txt", "--context-length", "64", "--output", output)
    ds = open_clean(output)
    assert ds["nll"].dims == ("window", "position") and ds.sizes["window"] == 4
    assert ds.attrs["model_sha256"] == hashlib.sha256((workdir / "tiny.gguf").read_bytes()).hexdigest()
    assert ds.attrs["gguf:llama.context_length"] == "64"


@pytest.mark.parametrize("spec", ["yarn:factor=4", "dynamic-ntk:factor=4", "critical-ntk", "diffusion-ntk"])
def test_specs_take_the_trained_length_from_the_gguf(ropescope, workdir, spec):
    report = ropescope("score", workdir / "tiny.gguf", "--text-file", workdir / "text.txt", "--context-length", "128",
                       "--rope", spec, "--json", parse_json=True)
    assert report["tokens_scored"] == 2 * 127
    assert np.isfinite(report["mean_nll"])
    if spec.startswith(("yarn", "dynamic")):
        assert "original-context=64" in report["spec"], report["spec"]
    else:
        assert "train-length=64" in report["spec"] and "target-length=128" in report["spec"], report["spec"]


def test_nan_weight_is_a_data_error_naming_the_tensor(ropescope, workdir):
    model = write_tiny_llama(workdir / "nan.gguf", nan_tensor="blk.0.attn_q.weight")
    output = workdir / "nan.h5"
    result = ropescope("score", model, "--text-file", workdir / "text.txt", "--context-length", "32", "--json",
                       "--output", output, check=False)
    assert result.returncode == 65, result.stderr
    assert "blk.0.attn_q.weight" in result.stderr and "NaN" not in result.stdout
    assert not output.exists()


def test_overflowing_activations_name_window_and_hook(ropescope, workdir):
    model = write_tiny_llama(workdir / "overflow.gguf", scale_tensor=("blk.0.ffn_norm.weight", 1e30))
    result = ropescope("score", model, "--text-file", workdir / "text.txt", "--context-length", "32", "--json", check=False)
    assert result.returncode == 65, result.stderr
    assert "window 0" in result.stderr and "blocks.0.mlp.hook_post" in result.stderr, result.stderr
    assert result.stdout == ""


def test_zero_scored_tokens_is_a_usage_error(ropescope, workdir):
    result = ropescope("score", workdir / "tiny.gguf", "--text-file", workdir / "text.txt", "--context-length", "2",
                       "--score", "second-half", "--json", check=False)
    assert result.returncode == 64, result.stderr
    assert "--context-length >= 3" in result.stderr


def test_bad_declared_scaling_is_a_data_error_naming_the_key(ropescope, workdir):
    model = write_tiny_llama(workdir / "longrope.gguf", extra={"llama.rope.scaling.type": (8, "longrope")})
    result = ropescope("score", model, "--text-file", workdir / "text.txt", "--context-length", "32", check=False)
    assert result.returncode == 65, result.stderr
    assert "llama.rope.scaling.type" in result.stderr and "longrope.gguf" in result.stderr


def test_json_numbers_are_numbers(ropescope, workdir):
    result = ropescope("score", workdir / "tiny.gguf", "--text-file", workdir / "text.txt", "--context-length", "32",
                       "--json")
    report = json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"non-number {name} in JSON"))
    for key in ("mean_nll", "perplexity", "mean_nll_standard_error", "tokens_per_second"):
        assert isinstance(report[key], float) and np.isfinite(report[key]), key
