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
# # Cross-document interference: ΔNLL = NLL(packed) − NLL(alone) per packing
#
# Reads one or more `ropescope probe interference` files (netCDF-4; e.g. one per RoPE spec from
# `experiments/smollm2-interference.sh`) and draws:
#
# * `interference_by_document_position.png`: mean ΔNLL per position-in-document bin, one line per
#   packing (direct, eod, mask), one panel per position mode (continue, restart), one row per file,
#   at each file's longest context length. ΔNLL > 0: the neighbours hurt; the mask + restart line
#   must sit on 0 (the invariance the mask promises).
# * `interference_by_window_position.png`: the same against the position in the packed window.
# * `interference_summary.png`: mean ΔNLL per packing × position mode × context length, per file.
#
# Environment: `ROPESCOPE_INTERFERENCE` (comma-separated files; default
# `out/interference-sample.h5`), `ROPESCOPE_FIGURES` (default `notebooks-export/figures/`).
# The binned curves are recomputed here from the per-token variables (`token_delta_nll`, ragged by
# `token_count`), and checked against the file's own `delta_nll_by_document_position`.

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

FILES = [Path(p) for p in os.environ.get("ROPESCOPE_INTERFERENCE", "out/interference-sample.h5").split(",") if p]
FIGURES = Path(os.environ.get("ROPESCOPE_FIGURES", "notebooks-export/figures/"))
FIGURES.mkdir(parents=True, exist_ok=True)
COLOURS = {"direct": "tab:red", "eod": "tab:orange", "mask": "tab:blue"}


def load(path):
    ds = xr.open_dataset(path, engine="h5netcdf").load()
    definition = json.loads(ds.attrs["interference_definition"])
    ds.attrs["spec_label"] = definition.get("spec") or "declared"
    print(f"{path}: {ds.attrs['estimator']}, spec {ds.attrs['spec_label']}, {ds.sizes['document']} documents, "
          f"packings {list(ds['packing'].values)}, positions {list(ds['positions'].values)}, "
          f"L {list(ds['context_length'].values)}")
    return ds


runs = [load(path) for path in FILES]


def save(fig, name):
    path = FIGURES / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    plt.show() if INTERACTIVE else plt.close(fig)


# %% [markdown]
# Per-token values of one cell, and the mean ΔNLL per bin of a position variable (the bins of the
# file: lower edges 1, 2, 4, …).

# %%
def cell_tokens(ds, packing, positions, length):
    """(delta, document position, window position) of one cell, from the ragged token arrays."""
    p = list(ds["packing"].values).index(packing)
    q = list(ds["positions"].values).index(positions)
    c = list(ds["context_length"].values).index(length)
    flat = (p * ds.sizes["positions"] + q) * ds.sizes["context_length"] + c
    counts = ds["token_count"].values.astype(int)
    start, end = counts[:flat].sum(), counts[:flat + 1].sum()
    pick = slice(int(start), int(end))
    return (ds["token_delta_nll"].values[pick], ds["token_document_position"].values[pick],
            ds["token_window_position"].values[pick])


def binned(values, positions, edges):
    index = np.searchsorted(edges, positions, side="right") - 1
    index = np.clip(index, 0, len(edges) - 1)
    sums = np.bincount(index, weights=values, minlength=len(edges))
    counts = np.bincount(index, minlength=len(edges))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan), counts


for ds in runs:
    edges = ds["document_position_bin"].values
    for packing in ds["packing"].values:
        for positions in ds["positions"].values:
            for length in ds["context_length"].values:
                delta, in_document, _ = cell_tokens(ds, packing, positions, length)
                mine, _ = binned(delta, in_document, edges)
                stored = ds["delta_nll_by_document_position"].sel(packing=packing, positions=positions,
                                                                  context_length=length).values
                assert np.allclose(mine, stored, equal_nan=True, atol=1e-12), (packing, positions, length)
print("binned curves agree with the file's delta_nll_by_document_position")


# %%
def by_position(variable, name, xlabel):
    rows = len(runs)
    columns = max(ds.sizes["positions"] for ds in runs)
    fig, axes = plt.subplots(rows, columns, figsize=(5.5 * columns, 3.8 * rows), squeeze=False)
    for row, ds in enumerate(runs):
        length = int(ds["context_length"].values.max())
        edges = ds[f"{variable}_bin"].values
        for column, positions in enumerate(ds["positions"].values):
            ax = axes[row][column]
            for packing in ds["packing"].values:
                delta, in_document, in_window = cell_tokens(ds, packing, positions, length)
                key = in_document if variable == "document_position" else in_window
                means, counts = binned(delta, key, edges)
                shown = counts > 0
                ax.plot(edges[shown], means[shown], marker="o", color=COLOURS.get(str(packing)), label=str(packing))
            ax.axhline(0, color="black", linewidth=0.8)
            ax.set_xscale("log", base=2)
            ax.set_xlabel(xlabel)
            ax.set_ylabel("mean ΔNLL (nats)")
            ax.set_title(f"{ds.attrs['spec_label']}, L = {length}, positions {positions}")
            ax.legend(fontsize=8)
        for column in range(ds.sizes["positions"], columns):
            axes[row][column].axis("off")
    fig.suptitle(f"ΔNLL = NLL(packed) − NLL(alone) by {xlabel} ({runs[0].attrs['estimator']})")
    fig.tight_layout()
    save(fig, name)


by_position("document_position", "interference_by_document_position", "position in document (bin start)")
by_position("window_position", "interference_by_window_position", "position in window (bin start)")

# %%
fig, axes = plt.subplots(1, len(runs), figsize=(6 * len(runs), 4), squeeze=False)
for ax, ds in zip(axes[0], runs):
    labels, width = [], 0.8 / max(1, ds.sizes["context_length"])
    combos = [(str(p), str(q)) for p in ds["packing"].values for q in ds["positions"].values]
    for k, length in enumerate(ds["context_length"].values):
        values = [float(ds["mean_delta_nll"].sel(packing=p, positions=q, context_length=length)) for p, q in combos]
        ax.bar(np.arange(len(combos)) + k * width, values, width, label=f"L = {int(length)}")
    ax.set_xticks(np.arange(len(combos)) + width * (ds.sizes["context_length"] - 1) / 2)
    ax.set_xticklabels([f"{p}\n{q}" for p, q in combos], fontsize=8)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("mean ΔNLL (nats)")
    ax.set_title(f"{ds.attrs['spec_label']}: {ds.sizes['document']} documents")
    ax.legend(fontsize=8)
fig.tight_layout()
save(fig, "interference_summary")
