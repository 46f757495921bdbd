# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Perplexity grids: context extension per RoPE spec, NLL by position, causal vs bidirectional
#
# Reads one or more `ropescope probe perplexity` files (netCDF-4) and draws:
#
# * `grid_perplexity_vs_length.png`: perplexity (or its masked-diffusion bound) against the window
#   length L per spec, one panel per file (estimator / attention), T_train marked, ±SE as error bars,
#   skipped cells absent;
# * `grid_nll_by_position.png`: mean NLL per position bin per spec at the longest L (the "where does
#   a long window lose" curve);
# * `grid_causal_vs_bidirectional.png`: with two files, one chain-rule (causal) and one masked
#   (bidirectional), both numbers per spec at each L side by side.
#
# Environment: `ROPESCOPE_GRIDS` (comma-separated grid files; default
# `out/smollm2-context-extension.h5`), `ROPESCOPE_FIGURES` (default `notebooks-export/figures/`).
# Values are read from the file's variables only: `status` 1 = done, 2 = skipped.

# %%
import json
import os
import sys
from pathlib import Path

import matplotlib

INTERACTIVE = "ipykernel" in sys.modules
if not INTERACTIVE and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

GRIDS = [Path(p) for p in os.environ.get("ROPESCOPE_GRIDS", "out/smollm2-context-extension.h5").split(",") if p]
FIGURES = Path(os.environ.get("ROPESCOPE_FIGURES", "notebooks-export/figures/"))
FIGURES.mkdir(parents=True, exist_ok=True)
DONE = 1


def load(path):
    ds = xr.open_dataset(path, engine="h5netcdf").load()
    definition = json.loads(ds.attrs["grid_definition"])
    ds.attrs["attention_regime"] = definition.get("attention", "causal")
    ds.attrs["trained_length"] = int(next((v for k, v in ds.attrs.items() if k.endswith(".context_length")), 0))
    print(f"{path}: estimator {ds.attrs['estimator']}, {ds.attrs['attention_regime']} attention, "
          f"{ds.sizes['spec']} specs × {ds.sizes['context_length']} lengths × {ds.sizes['text']} texts")
    return ds


grids = [load(path) for path in GRIDS]


def save(fig, name):
    path = FIGURES / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    plt.show() if INTERACTIVE else plt.close(fig)


def label(ds):
    return f"{ds.attrs['estimator']} ({ds.attrs['attention_regime']})"


def y_label(ds):
    return {"chain-rule": "perplexity", "masked-diffusion": "perplexity bound exp(NLL bound)",
            "masked-ce": "exp(masked CE)"}.get(ds.attrs["estimator"], "exp(mean)")


# %% [markdown]
# ## Perplexity against window length, per spec
# Text 0 of each file. A spec whose cells are all skipped (a candidate below T_train) has no points.

# %%
fig, axes = plt.subplots(1, len(grids), figsize=(6.5 * len(grids), 4.5), squeeze=False)
for ax, ds in zip(axes[0], grids):
    lengths = ds.context_length.values
    for spec in ds.spec.values:
        cell = ds.sel(text=ds.text.values[0], spec=spec)
        done = cell.status.values == DONE
        if not done.any():
            continue
        mean, se = cell.mean_nll.values[done], cell.standard_error.values[done]
        ppl = np.exp(mean)
        err = np.where(np.isfinite(se), ppl * se, 0)
        ax.errorbar(lengths[done], ppl, yerr=err, marker="o", capsize=3, label=str(spec))
    if ds.attrs["trained_length"]:
        ax.axvline(ds.attrs["trained_length"], color="grey", linestyle="--", label="T_train")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("window length L (tokens)")
    ax.set_ylabel(y_label(ds))
    ax.set_title(label(ds))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
save(fig, "grid_perplexity_vs_length")

# %% [markdown]
# ## NLL by position in the window at the longest length
# Mean NLL of the targets in each position bin [edge_b, edge_{b+1}); a spec that breaks past the
# trained context rises at the late bins.

# %%
fig, axes = plt.subplots(1, len(grids), figsize=(6.5 * len(grids), 4.5), squeeze=False)
for ax, ds in zip(axes[0], grids):
    longest = int(ds.context_length.values.max())
    drawn = 0
    for spec in ds.spec.values:
        cell = ds.sel(text=ds.text.values[0], spec=spec, context_length=longest)
        if int(cell.status) != DONE:
            continue
        values = cell.nll_by_position.values
        keep = np.isfinite(values)
        ax.plot(ds.position_bin.values[keep], values[keep], marker=".", label=str(spec))
        drawn += 1
    ax.set_xscale("log", base=2)
    ax.set_xlabel("position in window (bin lower edge, tokens)")
    ax.set_ylabel("mean NLL (nats)")
    ax.set_title(f"{label(ds)}, L = {longest}" + ("" if drawn else ": no done cell"))
    if drawn:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
save(fig, "grid_nll_by_position")

# %% [markdown]
# ## Causal vs bidirectional
# Needs one causal chain-rule file and one bidirectional masked file with specs in common.

# %%
causal = next((ds for ds in grids if ds.attrs["attention_regime"] == "causal"), None)
bidirectional = next((ds for ds in grids if ds.attrs["attention_regime"] == "bidirectional"), None)
if causal is None or bidirectional is None:
    print("skipped grid_causal_vs_bidirectional: needs one causal and one bidirectional grid file "
          f"(got {[label(ds) for ds in grids]})")
else:
    common = [s for s in causal.spec.values if s in set(bidirectional.spec.values)]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for ds, style in ((causal, "-"), (bidirectional, "--")):
        for spec in common:
            cell = ds.sel(text=ds.text.values[0], spec=spec)
            done = cell.status.values == DONE
            if done.any():
                ax.plot(ds.context_length.values[done], cell.mean_nll.values[done], style, marker="o",
                        label=f"{spec}: {label(ds)}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("window length L (tokens)")
    ax.set_ylabel("mean NLL or bound (nats/token)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    save(fig, "grid_causal_vs_bidirectional")
