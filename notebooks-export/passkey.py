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
# # Passkey retrieval: depth × context length per RoPE spec
#
# Reads one `ropescope probe passkey` file (netCDF-4; e.g. from `experiments/smollm2-passkey.sh`)
# and draws, one panel per spec, depth (y) against context length (x):
#
# * `passkey_exact_match.png`: fraction of trials whose generated answer equals the key (greedy
#   KV-cached decoding for causal models, LLaDA's low-confidence remasking for masked diffusion);
# * `passkey_log_prob.png`: mean teacher-forced log p(answer | prompt), nats — the graded signal a
#   small model still gives when exact match is 0 everywhere;
# * `passkey_rank.png`: mean rank of the true key among itself and the distractors (1 = best;
#   a model that ignores the needle sits near (1 + distractors + 1) / 2).
#
# Environment: `ROPESCOPE_PASSKEY` (default `out/passkey-smollm2.h5`), `ROPESCOPE_FIGURES`
# (default `notebooks-export/figures/`). The per-cell summaries are recomputed from the per-trial
# variables and checked against the file's own.

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

PATH = Path(os.environ.get("ROPESCOPE_PASSKEY", "out/passkey-smollm2.h5"))
FIGURES = Path(os.environ.get("ROPESCOPE_FIGURES", "notebooks-export/figures/"))
FIGURES.mkdir(parents=True, exist_ok=True)

ds = xr.open_dataset(PATH, engine="h5netcdf").load()
specs = [str(s) for s in ds["spec"].values]
lengths = ds["context_length"].values.astype(int)
depths = ds["depth"].values.astype(float)
distractors = ds.sizes.get("distractor", 0)
print(f"{PATH}: specs {specs}, L {lengths.tolist()}, depths {depths.tolist()}, {ds.sizes['trial']} trials, "
      f"{distractors} distractors")

# %% [markdown]
# The cell summaries are the trial means (exact match as a fraction of trials).

# %%
recomputed = {
    "exact_match_fraction": ds["exact_match"].astype(float).mean("trial"),
    "mean_log_prob": ds["answer_log_prob"].mean("trial"),
    "mean_rank": ds["rank"].astype(float).mean("trial"),
}
for name, values in recomputed.items():
    np.testing.assert_allclose(values.values, ds[name].values, rtol=1e-12, atol=1e-12)
print("cell summaries agree with the per-trial values")


# %%
def heatmaps(variable, title, colour_label, name, cmap, vmin=None, vmax=None):
    """One depth × length panel per spec of `variable` [spec, context_length, depth]."""
    count = len(specs)
    fig, axes = plt.subplots(1, count, figsize=(3.2 * count + 1.2, 3.4), squeeze=False, constrained_layout=True)
    values = ds[variable].transpose("spec", "depth", "context_length").values
    vmin = np.nanmin(values) if vmin is None else vmin
    vmax = np.nanmax(values) if vmax is None else vmax
    for k, (ax, spec) in enumerate(zip(axes[0], specs)):
        image = ax.imshow(values[k], origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_xticks(range(len(lengths)), [f"{length // 1024}K" if length % 1024 == 0 else str(length)
                                            for length in lengths])
        ax.set_yticks(range(len(depths)), [f"{d:g}" for d in depths])
        ax.set_xlabel("context length L (tokens)")
        if k == 0:
            ax.set_ylabel("needle depth (0 = start, 1 = end)")
        ax.set_title(spec, fontsize=9)
        for (i, j), value in np.ndenumerate(values[k]):
            ax.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=7, color="black")
    fig.colorbar(image, ax=axes[0].tolist(), label=colour_label, shrink=0.9)
    fig.suptitle(title)
    path = FIGURES / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    plt.show() if INTERACTIVE else plt.close(fig)


heatmaps("exact_match_fraction", "Passkey exact match (fraction of trials)", "exact match", "passkey_exact_match",
         "viridis", 0, 1)
heatmaps("mean_log_prob", "Mean log p(answer | prompt), teacher-forced", "nats", "passkey_log_prob", "magma")
heatmaps("mean_rank", f"Mean rank of the true key among {distractors + 1} candidates (1 = best)", "rank",
         "passkey_rank", "viridis_r", 1, distractors + 1)
