"""The one xarray check every archive test uses: the file opens as netCDF-4 with no phony dims."""
import warnings

import xarray as xr


def open_clean(path):
    """xarray open (h5netcdf engine) that fails on any warning (phony dims warn) or phony_dim_* name."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = xr.open_dataset(path, engine="h5netcdf")
        ds.load()
    assert not [d for d in ds.dims if str(d).startswith("phony_dim")], ds.dims
    return ds
