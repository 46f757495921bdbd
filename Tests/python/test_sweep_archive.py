"""Sweep and analyzer HDF5 files: open in xarray (h5netcdf) and h5py without phony dimensions,
carry units/long_name and provenance, and hold the numbers numpy computes independently."""
import json

import h5py
import numpy as np
import pytest
from netcdf_checks import open_clean

SMALL = {
    "name": "small",
    "rotary_dimensions": [16, 32],
    "bases": [10000.0],
    "train_length": 512,
    "target_lengths": [1024, 4096],
    "methods": [
        {"spec": "none"},
        {"spec": "linear", "factor_from_length": True},
        {"spec": "yarn", "factors": [2, 8]},
        {"spec": "diffusion-ntk"},
    ],
}


@pytest.fixture(scope="module")
def small_sweep(ropescope, tmp_path_factory):
    directory = tmp_path_factory.mktemp("sweep")
    config = directory / "small.json"
    config.write_text(json.dumps(SMALL))
    output = directory / "small.h5"
    ropescope("sweep", "--config", config, "--output", output)
    return output


def test_sweep_opens_cleanly_with_units(small_sweep):
    ds = open_clean(small_sweep)
    rows = 2 * 2 * (1 + 1 + 2 + 1)
    assert ds.sizes["config"] == rows
    assert ds.sizes["pair"] == 16
    assert list(ds["regime"].values) == ["causal", "bidirectional"]
    for name, variable in ds.variables.items():
        assert "units" in variable.attrs and "long_name" in variable.attrs, name
    assert ds.attrs["tool_version"]
    assert "sweep" in ds.attrs["command_line"]
    assert json.loads(ds.attrs["configuration"])["name"] == "small"
    with h5py.File(small_sweep) as f:
        for name, dataset in f.items():
            if dataset.is_scale:
                continue  # a coordinate variable is its own dimension scale
            for axis, scales in enumerate(dataset.dims):
                assert len(scales) == 1, f"{name} axis {axis} has no dimension scale"


def test_sweep_values_match_numpy(small_sweep):
    ds = open_clean(small_sweep)
    for row in range(ds.sizes["config"]):
        d = int(ds["rotary_dimension"][row])
        b = float(ds["base"][row])
        train = int(ds["train_length"][row])
        target = int(ds["target_length"][row])
        method = str(ds["method"][row].values)
        theta = b ** (-np.arange(0, d, 2) / d)
        got = ds["inverse_frequency"][row].values
        assert np.all(np.isnan(got[d // 2:])), "padding beyond d/2 is NaN"
        assert np.all(ds["out_of_range"][row].values[:, d // 2:] == -1)
        if method == "none":
            np.testing.assert_allclose(got[: d // 2], theta, rtol=1e-13)
        if method == "linear":
            np.testing.assert_allclose(got[: d // 2], theta / (target / train), rtol=1e-13)
        for g, m in enumerate((1, 2)):
            seen = m * train * theta
            np.testing.assert_allclose(ds["period_fraction_train"][row, g, : d // 2], np.minimum(1, seen / (2 * np.pi)), rtol=1e-13)
            d_crit = int(2 * min(max(np.ceil((d / 2) * np.log(m * train / (2 * np.pi)) / np.log(b)), 0), d / 2))
            assert int(ds["critical_dimension"][row, g]) == d_crit


def test_single_analyzer_outputs_share_the_schema(ropescope, tmp_path):
    extra = {"spectrum": ["--length", 512], "conditioning": ["--length", 256]}
    for command in ("rope", "coverage", "spectrum", "conditioning"):
        output = tmp_path / f"{command}.h5"
        ropescope(command, "--preset", "llada-8b", "--target-length", "128k", "--rope", "diffusion-ntk",
                  *extra.get(command, []), "--output", output)
        ds = open_clean(output)
        assert ds.sizes["config"] == 1 and ds.sizes["pair"] == 64
        assert str(ds["method"][0].values) == "diffusion-ntk"
        assert float(ds["scaling_factor"][0]) == pytest.approx((262144 / (2 * np.pi)) ** (128 / 70) / 500000, rel=1e-12)
        if command == "spectrum":
            assert ds.sizes["distance_bidirectional"] == 1024
            theta = ds["inverse_frequency"][0].values
            k = np.cos(np.outer(np.arange(512), theta)).sum(axis=1) / 64
            np.testing.assert_allclose(ds["kernel_causal"][0].values, k, atol=1e-12)
        if command == "conditioning":
            assert ds.sizes["singular_index"] == 128
            assert np.all(np.diff(ds["singular_values"][0, 0].values) <= 0)


def test_scale_output(ropescope, tmp_path):
    output = tmp_path / "scale.h5"
    ropescope("scale", "--preset", "llada-8b", "--target-length", "32k", "--round-up", "--output", output)
    ds = open_clean(output)
    assert list(ds["regime"].values) == ["causal", "bidirectional"]
    assert float(ds["scaling_factor"].sel(regime="causal")) == 55  # LongLLaDA's λ at 32K
    assert int(ds["critical_dimension"].sel(regime="bidirectional")) == 70


def test_failed_sweep_leaves_no_file(ropescope, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**SMALL, "methods": [{"spec": "yarn:fator=2"}]}))
    output = tmp_path / "out.h5"
    result = ropescope("sweep", "--config", bad, "--output", output, check=False)
    assert result.returncode == 65
    assert "unknown key 'fator'" in result.stderr
    assert list(tmp_path.iterdir()) == [bad]
    missing = ropescope("sweep", "--config", tmp_path / "missing.json", "--output", output, check=False)
    assert missing.returncode == 66 and "no such file" in missing.stderr
    assert list(tmp_path.iterdir()) == [bad]
