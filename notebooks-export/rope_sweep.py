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
# # RoPE scaling sweep: coverage, spectra and conditioning, causal vs bidirectional
#
# Reads a `ropescope sweep` file (HDF5, netCDF-4 layout) and draws five figures. Run it as a plain
# script or open it with jupytext. Environment:
#
# * `ROPESCOPE_SWEEP`: the sweep file (default `out/sweep-default.h5`, written by `scripts/run-default.sh`);
# * `ROPESCOPE_FIGURES`: where PNGs go (default `notebooks-export/figures/`);
# * `ROPESCOPE_TARGET`: the target length (tokens) of the per-target figures (default: the largest).
#
# Definitions are those of `Sources/Analyzers/AnalysisArchive*.swift`: regime multiplier m = 1
# (causal, Δ ∈ [0, T]) or 2 (bidirectional, Δ ∈ [−T, T]); the critical dimension
# d_crit = 2·⌈(d/2)·log_b(m·T_train/2π)⌉ of the unscaled model, so pairs i < d_crit/2 complete a
# full period in training and pairs above never do.

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

SWEEP = Path(os.environ.get("ROPESCOPE_SWEEP", "out/sweep-default.h5"))
FIGURES = Path(os.environ.get("ROPESCOPE_FIGURES", "notebooks-export/figures/"))
FIGURES.mkdir(parents=True, exist_ok=True)
REGIMES = ("causal", "bidirectional")
ds = xr.open_dataset(SWEEP, engine="h5netcdf").load()
print(f"{SWEEP}: {ds.sizes['config']} rows, {ds.sizes['pair']} pairs, variables: {len(ds.data_vars)}")


def save(fig, name):
    """Writes figures/NAME.png and shows or closes the figure."""
    path = FIGURES / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    plt.show() if INTERACTIVE else plt.close(fig)


def skip(figure, reason):
    print(f"skipping {figure}: {reason}")


def tokens(n):
    """16384 → '16K', 131072 → '128K'."""
    n = int(n)
    return f"{n // 1024}K" if n % 1024 == 0 else str(n)


# %% [markdown]
# ## Rows and labels
# Each row is one (geometry, target length, method, factor). The sweep's configuration (stored as
# an attribute) says which method entry a row came from, so that rows with the factor taken from
# the length (`factor_from_length`) form one series across targets while explicit factors
# (e.g. YaRN ×2 … ×16) form one series each. Only the first geometry (d, b) is drawn.

# %%
def row_entries(ds):
    """Per row: (entry label, explicit factor or None), rebuilt from the configuration in grid order
    (d → b → target → method entry → factor); None when the configuration is missing or differs."""
    try:
        config = json.loads(ds.attrs["configuration"])
        dims, bases = len(config.get("rotary_dimensions") or [0]), len(config.get("bases") or [0])
        entries = []
        for _ in range(dims * bases * len(config["target_lengths"])):
            for entry in config["methods"]:
                for factor in entry.get("factors") or [None]:
                    entries.append((entry["spec"], factor))
        return entries if len(entries) == ds.sizes["config"] else None
    except (KeyError, TypeError, ValueError):
        return None


SHORT_KEYS = {"low-freq-factor": "low", "high-freq-factor": "high"}


def short(template):
    """'llama3:low-freq-factor=1,high-freq-factor=4' → 'llama3 low=1 high=4'; 'x:round-up=true' → 'x round-up'."""
    method, _, params = template.partition(":")
    words = [method]
    for item in filter(None, params.split(",")):
        key, _, value = item.partition("=")
        words.append(key if value == "true" else value if key == "variant" else f"{SHORT_KEYS.get(key, key)}={value}")
    return " ".join(words)


def rows_table(ds):
    d, b = int(ds["rotary_dimension"][0]), float(ds["base"][0])
    entries = row_entries(ds)
    rows = []
    for r in range(ds.sizes["config"]):
        if int(ds["rotary_dimension"][r]) != d or float(ds["base"][r]) != b:
            continue
        template, explicit = entries[r] if entries else (str(ds["method"][r].values), None)
        template = short(template)
        factor = float(ds["factor"][r])
        series = f"{template} ×{explicit:g}" if explicit is not None else template
        label = series if explicit is not None or np.isnan(factor) else f"{template} ×{factor:g}"
        rows.append({"row": r, "template": template, "explicit": explicit, "series": series, "label": label,
                     "method": str(ds["method"][r].values), "factor": factor,
                     "target": int(ds["target_length"][r]), "train": int(ds["train_length"][r])})
    return d, b, rows


D, BASE, ROWS = rows_table(ds)
PAIRS = D // 2
TRAIN = ROWS[0]["train"]
TARGETS = sorted({r["target"] for r in ROWS})
TARGET = int(os.environ.get("ROPESCOPE_TARGET", TARGETS[-1]))
AT_TARGET = [r for r in ROWS if r["target"] == TARGET]
print(f"geometry d={D}, b={BASE:g}, T_train={TRAIN}; targets {TARGETS}; per-target figures at T={TARGET}")
if len(ROWS) < ds.sizes["config"]:
    print(f"note: {ds.sizes['config'] - len(ROWS)} rows of other geometries are not drawn")
SERIES = list(dict.fromkeys(r["series"] for r in ROWS))
STYLE = {s: {"color": plt.cm.tab10(i % 10), "ls": ("-", "--", "-.", ":")[i // 10 % 4]} for i, s in enumerate(SERIES)}
COLORS = {s: style["color"] for s, style in STYLE.items()}


def has(*names):
    return all(name in ds.variables for name in names)


# %% [markdown]
# ## (a) Wavelength per pair
# λ'_i = 2π/θ'_i for every method at one target length. Pairs whose wavelength stays below
# T_train were seen through full periods in training; between T_train and T_target the scaled
# pair sweeps angles that only the longer context reaches.

# %%
if not has("wavelength") or not AT_TARGET:
    skip("wavelength_per_pair", "no wavelength variable or no rows at the target")
else:
    fig, ax = plt.subplots(figsize=(10, 5.5))
    pairs = np.arange(PAIRS)
    base_wavelength = 2 * np.pi / BASE ** (-2 * pairs / D)
    ax.plot(pairs, base_wavelength, color="black", lw=2.5, alpha=0.25, label="unscaled 2π·b^(2i/d)")
    for r in AT_TARGET:
        ax.plot(pairs, ds["wavelength"][r["row"], :PAIRS], marker=".", ms=4, lw=1, **STYLE[r["series"]], label=r["label"])
    ax.axhline(TRAIN, color="dimgray", ls="-.", lw=1.5)
    ax.axhline(TARGET, color="black", ls="-.", lw=1.5)
    ax.text(0, TRAIN, f" T_train = {tokens(TRAIN)}", color="dimgray", va="bottom", fontweight="bold")
    ax.text(0, TARGET, f" T_target = {tokens(TARGET)}", color="black", va="bottom", fontweight="bold")
    ax.set_yscale("log")
    ax.set_xlabel("pair index i")
    ax.set_ylabel("wavelength 2π/θ'_i (tokens)")
    ax.set_title(f"Scaled wavelength per pair at T_target = {tokens(TARGET)} (d={D}, b={BASE:g}, T_train={tokens(TRAIN)})")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    save(fig, "wavelength_per_pair")


# %% [markdown]
# ## (b) Coverage heatmaps, causal vs bidirectional
# Colour: fraction of a full period pair i covers at the target, min(1, m·T_target·θ'_i/2π).
# Crosses: pairs out of range (target angle span beyond the span seen in training). The vertical
# line is the critical pair index d_crit/2: pairs to its left complete a period in training.

# %%
def coverage_heatmap(rows, ylabels, ylabel, title, name):
    fig, axes = plt.subplots(1, 2, figsize=(12, 2.6 + 0.32 * len(rows)), sharey=True, layout="constrained")
    for ax, (g, regime) in zip(axes, enumerate(REGIMES)):
        index = [r["row"] for r in rows]
        image = ax.imshow(ds["period_fraction_target"].values[index, g, :PAIRS], aspect="auto", vmin=0, vmax=1,
                          cmap="viridis", interpolation="nearest")
        if has("out_of_range"):
            y, x = np.nonzero(ds["out_of_range"].values[index, g, :PAIRS] == 1)
            ax.scatter(x, y, marker="x", s=14, color="red", lw=0.8, label="out of range")
        critical = ds["critical_dimension"].values[index, g] // 2
        y = np.arange(len(rows))
        ax.vlines(critical - 0.5, y - 0.5, y + 0.5, color="white", lw=3)
        ax.vlines(critical - 0.5, y - 0.5, y + 0.5, color="black", lw=1.2, ls="--", label="critical pair d_crit/2")
        ax.set_title(f"{regime} (m = {g + 1}): d_crit/2 = {', '.join(map(str, sorted(set(critical))))}")
        ax.set_xlabel("pair index i")
    axes[0].set_yticks(range(len(rows)), ylabels, fontsize=8)
    axes[0].set_ylabel(ylabel)
    fig.colorbar(image, ax=axes, label="fraction of a period covered at T_target (1)", shrink=0.9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8)
    fig.suptitle(title)
    save(fig, name)


if not has("period_fraction_target", "critical_dimension"):
    skip("coverage heatmaps", "period_fraction_target/critical_dimension missing")
else:
    yarn = sorted((r for r in AT_TARGET if r["method"] == "yarn" and r["explicit"] is not None), key=lambda r: r["factor"])
    if not yarn:
        skip("coverage_yarn_factors", f"no YaRN rows with explicit factors at T={TARGET}")
    else:
        coverage_heatmap(yarn, [f"×{r['factor']:g}" for r in yarn], "YaRN factor s",
                         f"YaRN factor × pair: period coverage at T_target = {tokens(TARGET)} (T_train = {tokens(TRAIN)})",
                         "coverage_yarn_factors")
    coverage_heatmap(AT_TARGET, [r["label"] for r in AT_TARGET], "method (factor)",
                     f"Every method: period coverage at T_target = {tokens(TARGET)} (T_train = {tokens(TRAIN)})",
                     "coverage_methods")


# %% [markdown]
# ## (c) Out-of-range fraction vs target length
# Fraction of pairs whose target angle span leaves the training span, per method series.
# Bidirectional attention doubles both spans, so it moves the critical pair (d_crit/2) up.

# %%
if not has("out_of_range_fraction") or len(TARGETS) < 1:
    skip("out_of_range_vs_target", "out_of_range_fraction missing")
else:
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    markers = "osD^v<>phX*P8"
    for ax, (g, regime) in zip(axes, enumerate(REGIMES)):
        for k, name in enumerate(SERIES):
            points = sorted((r["target"], float(ds["out_of_range_fraction"][r["row"], g])) for r in ROWS if r["series"] == name)
            x, y = zip(*points)
            shift = 2 ** (0.025 * (k - len(SERIES) / 2))  # small horizontal offset so equal values stay visible
            ax.plot(np.array(x) * shift, y, marker=markers[k % len(markers)], ms=5, lw=1, **STYLE[name], label=name)
        ax.set_xscale("log", base=2)
        ax.set_xticks(TARGETS, [tokens(t) for t in TARGETS])
        ax.minorticks_off()
        ax.set_xlabel("target length T_target (tokens)")
        ax.set_title(f"{regime} (m = {g + 1})")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("fraction of pairs out of range (1)")
    axes[1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.suptitle(f"Out-of-range pairs vs target length (d={D}, b={BASE:g}, T_train={tokens(TRAIN)}; series shifted sideways to separate ties)")
    save(fig, "out_of_range_vs_target")


# %% [markdown]
# ## (d) Kernel power spectra and Hilbert envelopes
# K(Δ) = Σ_i cos(θ'_i Δ)/(d/2) over the spectrum window (causal Δ = 0…L−1, bidirectional
# Δ = −L…L−1). Top: |rfft(window·K)|²; each pair is a peak at f_i = θ'_i/2π cycles/token.
# Bottom, for Δ ≥ 1 on a log axis: the magnitude e(Δ) of K's analytic signal (thin) and its mean
# over log-spaced bins of Δ (thick), against the decay threshold |K(0)|/e (dotted) of the file's
# `envelope_first_crossing`/`envelope_settling`. The Hilbert transform is circular, so the causal
# envelope is taken from the even extension K(−Δ) = K(Δ) over Δ = −(L−1)…L−1 (K is even): Δ = 0 is
# then an interior sample and nothing wraps K(L−1) back onto K(0), and `envelope_settling` is
# defined for causal rows too (it was NaN while the causal window was transformed on its own). Both
# regimes therefore show the same decay up to the one-sample difference in window period.

# %%
def pick_methods(rows, wanted=("none", "linear", "yarn", "diffusion-ntk", "ntk", "critical-ntk"), count=4):
    """Up to `count` rows at the target, one per method in `wanted` order; YaRN prefers the factor
    T_target/T_train."""
    chosen = []
    for method in wanted:
        candidates = [r for r in rows if r["method"] == method]
        candidates.sort(key=lambda r: abs(r["factor"] - TARGET / TRAIN) if not np.isnan(r["factor"]) else 0)
        chosen += candidates[:1]
    return (chosen or rows)[:count]


def log_binned(x, y, bins=48):
    """Means of y over log-spaced bins of x (x ≥ 1); returns bin centres (geometric) and means."""
    edges = np.unique(np.geomspace(x[0], x[-1] + 1, bins).astype(int))
    which = np.digitize(x, edges)
    keep = [k for k in np.unique(which) if np.any(which == k)]
    return (np.array([np.exp(np.log(x[which == k]).mean()) for k in keep]),
            np.array([y[which == k].mean() for k in keep]))


SPECTRA = [f"kernel_{k}{s}" for k in ("power_", "envelope_") for s in REGIMES]
if not has(*SPECTRA) or not AT_TARGET:
    skip("kernel_spectra", "no kernel spectra in the file (sweep without a 'spectrum' section)")
else:
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5), layout="constrained")
    chosen = pick_methods(AT_TARGET)
    for g, regime in enumerate(REGIMES):
        frequency = ds[f"frequency_{regime}"].values
        distance = ds[f"distance_{regime}"].values
        positive = distance >= 1
        for r in chosen:
            style = STYLE[r["series"]]
            power = ds[f"kernel_power_{regime}"].values[r["row"]]
            axes[0, g].loglog(frequency[1:], power[1:], lw=0.7, color=style["color"], label=r["label"])
            envelope = ds[f"kernel_envelope_{regime}"].values[r["row"], positive]
            axes[1, g].plot(distance[positive], envelope, lw=0.4, alpha=0.3, color=style["color"])
            axes[1, g].plot(*log_binned(distance[positive], envelope), lw=2, color=style["color"], label=r["label"])
        axes[0, g].set_xlabel("frequency (cycles/token)")
        axes[0, g].set_ylabel("|rfft(window·K)|² (unnormalised)")
        axes[0, g].set_title(f"power spectrum, {regime} window ({len(distance)} samples)")
        axes[1, g].axhline(1 / np.e, color="gray", ls=":", lw=1.2, label="|K(0)|/e")
        axes[1, g].set_xscale("log")
        axes[1, g].set_yscale("log")
        axes[1, g].set_xlabel("relative distance Δ (tokens, Δ ≥ 1)")
        axes[1, g].set_ylabel("Hilbert envelope of K (1)")
        axes[1, g].set_title(f"envelope (thin) and its log-binned mean (thick), {regime} window")
        for ax in axes[:, g]:
            ax.grid(True, which="major", alpha=0.3)
    axes[1, 1].legend(fontsize=8, loc="lower left")
    fig.suptitle(f"Relative-position kernel at T_target = {tokens(TARGET)}: spectrum and decay (d={D}, b={BASE:g})")
    save(fig, "kernel_spectra")


# %% [markdown]
# ## (e) Conditioning before vs after scaling
# Singular values σ of the [distance × 2·pairs] cos/sin feature matrix over the conditioning
# window, unscaled θ (before) vs scaled θ' (after). The smallest σ of these matrices sits at
# rounding level (the lowest-frequency pairs are nearly constant over the window), so the
# condition number σ_max/σ_min mostly measures float64 precision; the effective rank
# exp(entropy of σ/Σσ) is the informative summary, and the right panel shows the σ spectrum.

# %%
CONDITIONING = ("condition_number", "condition_number_unscaled", "effective_rank", "effective_rank_unscaled")
if not has(*CONDITIONING) or not AT_TARGET:
    skip("conditioning", "no conditioning in the file (sweep without a 'conditioning' section)")
else:
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.8), gridspec_kw={"width_ratios": [1.2, 1.2, 1]}, layout="constrained")
    x = np.arange(len(AT_TARGET))
    index = [r["row"] for r in AT_TARGET]
    for ax, name, unit in ((axes[0], "condition_number", "σ_max/σ_min (1)"), (axes[1], "effective_rank", "effective rank (1)")):
        for g, regime in enumerate(REGIMES):
            offset = (g - 0.5) * 0.38
            ax.bar(x + offset, ds[name].values[index, g], width=0.36, color=("tab:blue", "tab:orange")[g], label=f"{regime}, after (θ')")
            ax.scatter(x + offset, ds[f"{name}_unscaled"].values[index, g], marker="_", s=200, color="black", zorder=3,
                       label="before (θ)" if g == 0 else None)
        ax.set_xticks(x, [r["label"] for r in AT_TARGET], rotation=60, ha="right", fontsize=7)
        ax.set_ylabel(unit)
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].set_yscale("log")
    axes[0].set_title("condition number")
    low = np.nanmin(ds["effective_rank"].values[index]) * 0.9
    axes[1].set_ylim(bottom=max(low, 0))
    axes[1].set_title("effective rank")
    axes[1].legend(fontsize=7, loc="lower right")
    if has("singular_values", "singular_values_unscaled"):
        g = 1  # bidirectional
        sigma0 = ds["singular_values_unscaled"].values[index[0], g]
        axes[2].semilogy(sigma0 / sigma0[0], color="black", lw=2.5, alpha=0.4, label="before (θ)")
        for r in pick_methods(AT_TARGET):
            sigma = ds["singular_values"].values[r["row"], g]
            axes[2].semilogy(sigma / sigma[0], lw=1, color=COLORS[r["series"]], label=r["label"])
        axes[2].set_xlabel("singular value index j")
        axes[2].set_ylabel("σ_j / σ_1 (1)")
        axes[2].set_title("singular values, bidirectional")
        axes[2].grid(True, alpha=0.3)
        axes[2].legend(fontsize=7)
    window = ds.attrs.get("conditioning_length", "?")
    fig.suptitle(f"Position-feature conditioning before vs after scaling at T_target = {tokens(TARGET)} (window L = {window} tokens)")
    save(fig, "conditioning")

# %%
print("done:", ", ".join(sorted(p.name for p in FIGURES.glob("*.png"))))
