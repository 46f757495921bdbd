"""`ropescope train --loss-curve` writes a netCDF-4 file that xarray opens with named dimensions."""
import numpy as np
import xarray as xr


def test_loss_curve_opens_in_xarray(ropescope, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(12):
        (data / f"d{i}.txt").write_text(("a b c d e f %d " % i) * 12, encoding="utf-8")
    config = tmp_path / "tiny.json"
    config.write_text('{"embedding_size": 16, "layer_count": 1, "head_count": 2, "feed_forward_size": 32, "batch_size": 2}')
    curve = tmp_path / "curve.h5"
    report = ropescope("train", "--objective", "masked-diffusion", "--config", config, "--data", data,
                       "--context-length", 32, "--steps", 4, "--output", tmp_path / "twin.gguf", "--loss-curve", curve,
                       "--json", parse_json=True)
    with xr.open_dataset(curve, engine="h5netcdf") as ds:
        assert not [d for d in ds.dims if d.startswith("phony_dim")]
        assert list(ds["step"].values) == [1, 2, 3, 4]
        for name, units in [("loss", "nats"), ("gradient_norm", "1"), ("learning_rate", "1")]:
            assert ds[name].dims == ("step",)
            assert ds[name].attrs["units"] == units
            assert np.all(np.isfinite(ds[name].values))
        assert ds.attrs["objective"] == "masked-diffusion"
        assert abs(ds.attrs["validation_loss"] - report["validation_loss"]) <= 1e-12 * abs(report["validation_loss"])
        assert abs(float(ds["loss"].values[-4:].mean()) - report["train_loss"]) <= 1e-12 * report["train_loss"]
