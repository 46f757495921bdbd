"""Interop check: the HDF5 sample written by TensorArchive opens naturally in Python.

What: opens ``tensorarchive_sample.h5`` (written by the Swift test
``InteropSampleTests.testWritesInteropSample``) with xarray (engine="h5netcdf") for the root and
each group, with h5py, and with netCDF4-python when installed. Fails on any ``phony_dim_*``, and
checks values, dimensions, coordinates, ``units``/``long_name``, string decoding and the
netCDF-4 bookkeeping (dimension scales, ``_Netcdf4Dimid``, creation-order tracking).

How to run (from the repository root):

    export ROPESCOPE_ARTIFACT_DIR=/tmp/ropescope-artifacts
    swift test --filter TensorArchiveTests.InteropSampleTests
    python -m pytest Tests/python/test_tensorarchive_interop.py

Without ``ROPESCOPE_ARTIFACT_DIR`` the tests are skipped; with it set, a missing sample is a
failure. Pinned versions: Tests/python/requirements.txt (numpy 2.4.6, h5py 3.16.0,
xarray 2026.9.0, h5netcdf 1.8.2, netCDF4 1.7.5.1.post1, pytest 9.0.3).

Expected values are recomputed from the formulas documented in InteropSampleTests.swift. All
stored types are lossless and the formulas are evaluated in the stored precision, so values
are compared exactly.
"""

import os
import pathlib
import warnings

import h5py
import numpy as np
import pytest
import xarray as xr

SAMPLE_NAME = "tensorarchive_sample.h5"
GROUPS = [None, "sweep", "sweep/details"]
NOT_A_VARIABLE = "This is a netCDF dimension but not a netCDF variable."
METHODS = ["none", "linear(factor=4)", "yarn(factor=4, β=32)"]


@pytest.fixture(scope="module")
def sample_path() -> pathlib.Path:
    directory = os.environ.get("ROPESCOPE_ARTIFACT_DIR")
    if not directory:
        pytest.skip("ROPESCOPE_ARTIFACT_DIR is not set; run the Swift test testWritesInteropSample with it first")
    path = pathlib.Path(directory) / SAMPLE_NAME
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `swift test --filter TensorArchiveTests.InteropSampleTests` "
                    "with the same ROPESCOPE_ARTIFACT_DIR first")
    return path


def open_group(path, group):
    """xarray open that turns any phony-dimension warning into a failure."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = xr.open_dataset(path, engine="h5netcdf", group=group)
        ds.load()
    phony = [str(w.message) for w in caught if "phony" in str(w.message).lower()]
    assert not phony, f"group {group}: {phony}"
    return ds


def expected_root():
    tokens = np.arange(12)
    return {
        "inverse_frequency": np.array([1, 0.1, 0.01, 0.001]),
        "rotations": (np.arange(24, dtype=np.float32) * np.float32(0.25)).reshape(6, 4),
        "mask": np.array([1, 0, 1, 0, 1, 0], dtype=np.int8),
        "counts": np.array([1, 2, 3, 4], dtype=np.int32),
        "nll": tokens * 0.125,
        "blocks.0.hook_resid_post": np.array(
            [[np.float32(t) + np.float32(j) / np.float32(10) for j in range(4)] for t in tokens], dtype=np.float32),
    }


def expected_pattern():
    f = np.float32
    return np.array([[[f(h) + f(q) / f(10) + f(k) / f(100) for k in range(3)] for q in range(3)] for h in range(2)],
                    dtype=np.float32)


@pytest.mark.parametrize("group", GROUPS)
def test_every_group_opens_without_phony_dims_and_with_units(sample_path, group):
    ds = open_group(sample_path, group)
    phony = [d for d in ds.dims if str(d).startswith("phony_dim")]
    assert not phony, f"group {group} has {phony}"
    for name, var in {**ds.coords, **ds.data_vars}.items():
        assert isinstance(var.attrs.get("units"), str), f"{group}/{name} lacks units"
        assert isinstance(var.attrs.get("long_name"), str), f"{group}/{name} lacks long_name"
        assert not any(k in var.attrs for k in ("DIMENSION_LABELS", "CLASS", "NAME", "_Netcdf4Dimid")), var.attrs


def test_root_values_dims_and_coords(sample_path):
    ds = open_group(sample_path, None)
    assert dict(ds.sizes) == {"position": 6, "pair": 4, "token": 12}
    assert list(ds.coords) == ["position"]
    np.testing.assert_array_equal(ds["position"].values, np.arange(6))
    assert ds["position"].attrs["units"] == "tokens"
    assert ds["rotations"].dims == ("position", "pair")
    assert ds["blocks.0.hook_resid_post"].dims == ("token", "pair")
    assert ds["nll"].dims == ("token",)
    for name, expected in expected_root().items():
        assert ds[name].dtype == expected.dtype, name
        np.testing.assert_array_equal(ds[name].values, expected, err_msg=name)
    assert "token" in ds.encoding.get("unlimited_dims", set())
    assert ds.attrs["title"] == "TensorArchive interop sample ✓"
    assert ds.attrs["tool_version"] == "0.0.0-test"
    assert ds.attrs["command_line"] == "ropescope sample --factor 4"
    assert ds.attrs["configuration"] == '{"model":"tiny","factor":4.0}'
    assert int(ds.attrs["schema_version"]) == 1 and int(ds.attrs["seed"]) == 1234
    assert float(ds.attrs["scale"]) == 0.5
    np.testing.assert_array_equal(ds.attrs["factors"], [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(ds.attrs["window_sizes"], [128, 256])
    assert ds["rotations"].attrs["formula"] == "0.25 * (4 * position + pair)"


def test_sweep_group_strings_decode_as_str(sample_path):
    ds = open_group(sample_path, "sweep")
    assert dict(ds.sizes) == {"row": 3, "model": 2}
    assert list(ds.coords) == ["row", "model"]
    assert ds["model"].values.tolist() == ["tiny", "llama-3.2-1b ✓"]
    np.testing.assert_array_equal(ds["parameters"].values, [1e6, 1.2e9])
    assert ds["parameters"].dims == ("model",)
    np.testing.assert_array_equal(ds["row"].values, [0, 1, 2])
    values = ds["method"].values.tolist()
    assert values == METHODS
    assert all(type(v) is str for v in values)
    np.testing.assert_array_equal(ds["max_error"].values, [0, 0.5, 0.25])
    assert ds.attrs["description"] == "one row per RoPE method"


def test_nested_group_with_dotted_name_and_compression(sample_path):
    ds = open_group(sample_path, "sweep/details")
    name = "blocks.3.attn.hook_pattern"
    assert ds[name].dims == ("head", "query_position", "key_position")
    assert dict(ds.sizes) == {"head": 2, "query_position": 3, "key_position": 3}
    np.testing.assert_array_equal(ds["query_position"].values, [10, 11, 12])
    np.testing.assert_array_equal(ds[name].values, expected_pattern())
    assert ds[name].encoding.get("zlib") is True and ds[name].encoding.get("shuffle") is True
    assert ds[name].attrs["hook"] == name


def test_datatree_opens_all_groups(sample_path):
    tree = xr.open_datatree(sample_path, engine="h5netcdf")
    assert set(tree.groups) == {"/", "/sweep", "/sweep/details"}
    # Groups inherit their ancestors' coordinates in a datatree.
    np.testing.assert_array_equal(tree["sweep/details"]["row"].values, [0, 1, 2])
    np.testing.assert_array_equal(tree["sweep/details"]["position"].values, np.arange(6))


def test_h5py_sees_netcdf4_bookkeeping(sample_path):
    with h5py.File(sample_path, "r") as f:
        dimids = []
        # f.id is the file (its FCPL does not report group flags); f["/"] is the root group.
        groups = [f["/"], f["sweep"], f["sweep/details"]]
        for group in groups:
            plist = group.id.get_create_plist()
            assert plist.get_link_creation_order() == 3, f"{group.name}: link order not tracked+indexed"
            assert plist.get_attr_creation_order() == 3, f"{group.name}: attribute order not tracked+indexed"
            for name, obj in group.items():
                if not isinstance(obj, h5py.Dataset):
                    continue
                assert obj.id.get_create_plist().get_attr_creation_order() == 3, obj.name
                assert obj.dtype.kind not in "bc", f"{obj.name}: bool/complex dtype {obj.dtype}"
                assert "DIMENSION_LABELS" not in obj.attrs, obj.name
                if obj.is_scale:
                    dimids.append(int(obj.attrs["_Netcdf4Dimid"]))
                    scale_name = obj.attrs["NAME"].decode()
                    if scale_name.startswith(NOT_A_VARIABLE):
                        assert scale_name == f"{NOT_A_VARIABLE}{obj.shape[0] if obj.maxshape[0] else 0:10d}"
                        assert not obj[...].any(), f"{obj.name} should be zero-filled"
                    else:
                        assert scale_name == name
                else:
                    for axis, dim in enumerate(obj.dims):
                        assert len(dim) == 1, f"{obj.name} axis {axis} has {len(dim)} scales"
        assert dimids == list(range(len(dimids))), f"_Netcdf4Dimid not unique/in creation order: {dimids}"
        assert f["sweep/method"].asstr()[...].tolist() == METHODS
        assert f["pair"].attrs["NAME"].decode() == NOT_A_VARIABLE + "         4"
        assert f["token"].maxshape == (None,) and f["token"].shape == (12,)


def test_netcdf4_python_reads_the_same(sample_path):
    netCDF4 = pytest.importorskip("netCDF4")
    with netCDF4.Dataset(sample_path) as nc:
        assert list(nc.dimensions) == ["position", "pair", "token"]
        assert nc.dimensions["token"].isunlimited() and len(nc.dimensions["token"]) == 12
        assert set(nc.variables) == {"position", "inverse_frequency", "rotations", "mask", "counts", "nll",
                                     "blocks.0.hook_resid_post"}
        for name, expected in expected_root().items():
            np.testing.assert_array_equal(nc[name][...], expected, err_msg=name)
        assert nc["rotations"].dimensions == ("position", "pair")
        assert nc.getncattr("title") == "TensorArchive interop sample ✓"
        sweep = nc.groups["sweep"]
        assert list(sweep.variables["method"][...]) == METHODS
        assert list(sweep.variables["model"][...]) == ["tiny", "llama-3.2-1b ✓"]
        assert sweep["parameters"].dimensions == ("model",)
        details = sweep.groups["details"]
        assert details["blocks.3.attn.hook_pattern"].dimensions == ("head", "query_position", "key_position")
        np.testing.assert_array_equal(details["blocks.3.attn.hook_pattern"][...], expected_pattern())
