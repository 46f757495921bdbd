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
# # Attention profiles: where attention goes, per RoPE spec, layer × head, causal vs bidirectional
#
# Reads one `ropescope probe attention` file (netCDF-4) and draws:
#
# * `attention_mass_vs_distance.png`: attention mass per distance bin (keys at or before the
#   query; mean over layers and heads) per spec, one panel per context length, T_train marked;
# * `attention_mean_distance_heatmap.png`: mean attention distance per layer × head, one panel per
#   spec, at the longest length of the first direction;
# * `attention_causal_vs_bidirectional.png`: mass per signed distance bin (left keys negative,
#   right keys positive) under causal and bidirectional attention for each spec at the longest
#   length (skipped with a note unless the file holds both directions).
#
# Environment: `ROPESCOPE_ATTENTION` (default `out/smollm2-attention-profile.h5`),
# `ROPESCOPE_FIGURES` (default `notebooks-export/figures/`). Cells with `status` != 1 (skipped) are
# NaN and left out.

# %%
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

PATH = Path(os.environ.get("ROPESCOPE_ATTENTION", "out/smollm2-attention-profile.h5"))
FIGURES = Path(os.environ.get("ROPESCOPE_FIGURES", "notebooks-export/figures/"))
FIGURES.mkdir(parents=True, exist_ok=True)

ds = xr.open_dataset(PATH, engine="h5netcdf").load()
TRAINED = int(next((v for k, v in ds.attrs.items() if k.endswith(".context_length")), 0))
DONE = ds["status"] == 1
print(f"{PATH}: {ds.sizes['spec']} specs × {ds.sizes['context_length']} lengths × {ds.sizes['attention']} directions, "
      f"{ds.sizes['layer']} layers × {ds.sizes['head']} heads, {int(DONE.sum())} cells done; T_train = {TRAINED}")


def save(fig, name):
    path = FIGURES / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    plt.show() if INTERACTIVE else plt.close(fig)


# Bin centres on a log axis: bin [a, b) drawn at sqrt(max(a, 0.5)·b).
lower = ds["distance_bin"].values.astype(float)
upper = ds["distance_bin_end"].values.astype(float)
centre = np.sqrt(np.maximum(lower, 0.5) * upper)
longest = int(ds["context_length"].max())
directions = list(ds["attention"].values)

# %% [markdown]
# ## Mass vs distance per spec
# Mean over layers and heads of the mass on keys at or before the query (the left side, which is
# everything under causal attention), per distance bin, for the first direction in the file.

# %%
first = directions[0]
fig, axes = plt.subplots(1, ds.sizes["context_length"], figsize=(5 * ds.sizes["context_length"], 4), squeeze=False, sharey=True)
for ax, length in zip(axes[0], ds["context_length"].values):
    for spec in ds["spec"].values:
        mass = ds["mass"].sel(spec=spec, context_length=length, attention=first, side="left").mean(["layer", "head"])
        if np.isnan(mass.values).all():
            continue
        keep = lower < length
        ax.plot(centre[keep], mass.values[keep], marker="o", label=str(spec))
    if TRAINED:
        ax.axvline(TRAINED, color="grey", linestyle=":", label="T_train")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(f"L = {length} ({first})")
    ax.set_xlabel("distance |i - j| (tokens, bin centre)")
axes[0][0].set_ylabel("attention mass per bin (bins double in width; mean over layers, heads)")
axes[0][-1].legend(fontsize=7)
save(fig, "attention_mass_vs_distance")

# %% [markdown]
# ## Mean attention distance per layer × head

# %%
specs = [s for s in ds["spec"].values if not np.isnan(ds["mean_distance"].sel(spec=s, context_length=longest, attention=first)).all()]
fig, axes = plt.subplots(1, max(1, len(specs)), figsize=(4 * max(1, len(specs)), 4), squeeze=False)
for ax, spec in zip(axes[0], specs):
    grid = ds["mean_distance"].sel(spec=spec, context_length=longest, attention=first)
    image = ax.imshow(grid.values, aspect="auto", origin="lower", cmap="viridis")
    ax.set_title(f"{spec}\nL = {longest} ({first})", fontsize=8)
    ax.set_xlabel("head")
    ax.set_ylabel("layer")
    fig.colorbar(image, ax=ax, label="mean distance (tokens)")
save(fig, "attention_mean_distance_heatmap")

# %% [markdown]
# ## Causal vs bidirectional
# Signed distance: keys left of the query (j <= i) at negative x, right of it at positive x.

# %%
if {"causal", "bidirectional"} <= set(directions):
    fig, ax = plt.subplots(figsize=(8, 4))
    for spec in ds["spec"].values:
        for direction, style in [("causal", "--"), ("bidirectional", "-")]:
            mass = ds["mass"].sel(spec=spec, context_length=longest, attention=direction).mean(["layer", "head"])
            if np.isnan(mass.values).all():
                continue
            keep = lower < longest
            left, right = mass.sel(side="left").values[keep], mass.sel(side="right").values[keep]
            x = np.concatenate([-centre[keep][::-1], centre[keep]])
            y = np.concatenate([left[::-1], right])
            ax.plot(x, np.where(y > 0, y, np.nan), style, marker=".", label=f"{spec} ({direction})")
    ax.set_xscale("symlog", linthresh=1)
    ax.set_yscale("log")
    ax.set_xlabel("signed distance j - i (tokens, bin centre; left keys negative)")
    ax.set_ylabel("attention mass per bin")
    ax.set_title(f"causal vs bidirectional at L = {longest}")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    save(fig, "attention_causal_vs_bidirectional")
else:
    print(f"skipped attention_causal_vs_bidirectional: the file holds only {directions}")
