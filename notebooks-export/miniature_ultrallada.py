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
# # Miniature UltraLLaDA: AR and masked-diffusion twins post-trained for 4× context
#
# Reads a run directory of `experiments/miniature-ultrallada/run.sh` (`settings.json`, the probes'
# `--json` reports under `probes/NAME/`, the training reports under `checkpoints/`) and writes
#
# * `SUMMARY/results.md`: one row per twin × spec × packing (mean ± sd over the post-training
#   seeds) and one per pre-trained twin: NLL at T_train, T'_train = 4·T_train and the longest probed
#   length (the checkpoint's own RoPE; nats/token: chain rule for the AR twin, the masked-diffusion
#   upper bound for the diffusion twin, so the two twins' columns are not comparable with each
#   other, only their changes with length), passkey exact match / log p(answer) / rank, interference
#   mean ΔNLL under direct and eod inference packing (positions continue), attention local mass and
#   mean distance at T'_train;
# * `SUMMARY/summary.json`: the same rows and the hypothesis comparisons as paired differences,
#   per seed, with mean, sample sd and n across seeds (sd is null for one seed: no spread, no claim);
# * figures `miniature_nll_vs_length.png` (NLL against L per spec, one panel per twin) and
#   `miniature_interference_by_packing.png` (ΔNLL by training packing × inference packing).
#
# It reports numbers; whether a difference is an effect is for the reader to judge against the
# spread. Environment: `ROPESCOPE_MINIATURE` (run directory; default `out/miniature`),
# `ROPESCOPE_SUMMARY` (default RUN/summary), `ROPESCOPE_FIGURES` (default `notebooks-export/figures/`).

# %%
import json
import math
import os
import sys
from pathlib import Path

import matplotlib

INTERACTIVE = "ipykernel" in sys.modules
if not INTERACTIVE and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

RUN = Path(os.environ.get("ROPESCOPE_MINIATURE", "out/miniature"))
SUMMARY = Path(os.environ.get("ROPESCOPE_SUMMARY", RUN / "summary"))
FIGURES = Path(os.environ.get("ROPESCOPE_FIGURES", "notebooks-export/figures/"))
SUMMARY.mkdir(parents=True, exist_ok=True)
FIGURES.mkdir(parents=True, exist_ok=True)
settings = json.loads((RUN / "settings.json").read_text())
TWINS, SPECS, PACKINGS, SEEDS = settings["twins"], settings["specs"], settings["packings"], settings["seeds"]
T, T_POST = settings["pre_length"], settings["post_length"]
L_MAX = max(settings["ppl_lengths"])
print(f"{RUN}: scale {settings['scale']}, twins {TWINS}, {len(SPECS)} specs × {len(PACKINGS)} packings × "
      f"seeds {SEEDS}; T_train {T} → {T_POST}; perplexity at {settings['ppl_lengths']}")


def report(name, kind):
    return json.loads((RUN / "probes" / name / f"{kind}.json").read_text())


def mean(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(values)) if values else math.nan


# %% [markdown]
# ## One checkpoint's numbers
# The checkpoint's own RoPE is the first spec of `probe perplexity`'s grid (spec-major order: the
# declared scaling, one cell per length, then the candidates, which exist only past the trained
# length; `spec` in the JSON is each cell's resolved spec).

# %%
def declared_nll(name):
    """{L: (mean_nll, standard_error)} for the checkpoint's own spec."""
    cells = report(name, "perplexity")["cells"]
    own = cells[:len({c["context_length"] for c in cells})]
    assert len({c["spec"] for c in own}) == 1 and all(c["status"] == "done" for c in own), (name, own)
    return {c["context_length"]: (c["mean_nll"], c["standard_error"]) for c in own}


def checkpoint_numbers(name):
    nll = declared_nll(name)
    passkey = report(name, "passkey")["cells"]
    interference = report(name, "interference")["cells"]
    attention = report(name, "attention")
    declared = attention["cells"][0]["spec"]
    attention_cells = [c for c in attention["cells"] if c["spec"] == declared and c.get("local_mass") is not None]
    at_length = T_POST if any(c["context_length"] == T_POST for c in attention_cells) else \
        max(c["context_length"] for c in attention_cells)
    at = [c for c in attention_cells if c["context_length"] == at_length]
    row = {f"nll_{length}": value for length, (value, _) in nll.items()}
    row.update({f"nll_se_{length}": se for length, (_, se) in nll.items()})
    row.update(passkey_exact_match=mean([c["exact_match"] for c in passkey]),
               passkey_log_prob=mean([c["mean_log_prob"] for c in passkey]),
               passkey_rank=mean([c["mean_rank"] for c in passkey]),
               attention_length=at_length,
               attention_local_mass=mean([c["local_mass"] for c in at]),
               attention_mean_distance=mean([c["mean_distance"] for c in at]))
    for packing in PACKINGS:
        row[f"interference_{packing}"] = mean([c["mean_delta_nll"] for c in interference
                                               if c["packing"] == packing and c["positions"] == "continue"])
    return row


rows = []
for twin in TWINS:
    rows.append(dict(twin=twin, spec="pretrain", packing="-", seed=settings["pre_seed"],
                     **checkpoint_numbers(f"{twin}-pretrain")))
    for seed in SEEDS:
        for spec in SPECS:
            for packing in PACKINGS:
                rows.append(dict(twin=twin, spec=spec, packing=packing, seed=seed,
                                 **checkpoint_numbers(f"{twin}-s{seed}-{spec}-{packing}")))
expected = len(TWINS) * (1 + len(SEEDS) * len(SPECS) * len(PACKINGS))
assert len(rows) == expected, (len(rows), expected)
print(f"{len(rows)} checkpoints read")

# %% [markdown]
# ## Results table (mean ± sd over seeds)

# %%
COLUMNS = [(f"nll_{T}", f"NLL@{T}"), (f"nll_{T_POST}", f"NLL@{T_POST}"), (f"nll_{L_MAX}", f"NLL@{L_MAX}"),
           ("passkey_exact_match", "passkey exact"), ("passkey_log_prob", "passkey log p"),
           ("passkey_rank", "passkey rank"), ("interference_direct", "ΔNLL direct"),
           ("interference_eod", "ΔNLL eod"), ("attention_local_mass", "local mass"),
           ("attention_mean_distance", "mean distance")]


def spread(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    n = len(values)
    return dict(mean=float(np.mean(values)) if n else None,
                sd=float(np.std(values, ddof=1)) if n > 1 else None, n=n)


def group(twin, spec, packing):
    return [r for r in rows if r["twin"] == twin and r["spec"] == spec and r["packing"] == packing]


table = []
for twin in TWINS:
    for spec, packing in [("pretrain", "-")] + [(s, p) for s in SPECS for p in PACKINGS]:
        members = group(twin, spec, packing)
        table.append(dict(twin=twin, spec=spec, packing=packing,
                          **{key: spread([r.get(key) for r in members]) for key, _ in COLUMNS}))


def cell(stats):
    if stats["mean"] is None:
        return "n/a"
    return f"{stats['mean']:.3f}" + (f" ± {stats['sd']:.3f}" if stats["sd"] is not None else "")


lines = [f"Run `{RUN}` (scale {settings['scale']}); seeds {SEEDS} (± = sample sd over seeds; none: one seed). "
         f"NLL in nats/token on held-out text (ar: chain rule; llada: masked-diffusion bound, {settings['samples']} "
         f"samples); attention at L = {rows[0]['attention_length']}, local window {settings['local_window']}.", "",
         "| twin | spec | packing | " + " | ".join(label for _, label in COLUMNS) + " |",
         "|---|---|---|" + "---:|" * len(COLUMNS)]
for entry in table:
    lines.append(f"| {entry['twin']} | {entry['spec']} | {entry['packing']} | "
                 + " | ".join(cell(entry[key]) for key, _ in COLUMNS) + " |")
(SUMMARY / "results.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines[:8]))
print(f"wrote {SUMMARY / 'results.md'}")

# %% [markdown]
# ## Hypothesis comparisons: paired differences per seed
#
# Each comparison is a difference A − B of one number between two sets of checkpoints that share
# the seed (and, where averaged, the same specs or packings), computed per seed, then summarised as
# mean, sd and n over seeds. NLL and ΔNLL: negative = A lower.

# %%
def per_seed(twin, key, specs, packings, seed):
    return mean([r[key] for r in rows if r["twin"] == twin and r["seed"] == seed and r["spec"] in specs
                 and r["packing"] in packings])


def paired(twin, key, a, b):
    """a, b: (specs, packings) selections; the difference of their means, per seed."""
    values = [per_seed(twin, key, *a, seed) - per_seed(twin, key, *b, seed) for seed in SEEDS]
    return dict(per_seed=dict(zip(map(str, SEEDS), values)), **spread(values))


hypotheses = {}
long_keys = [f"nll_{T_POST}", f"nll_{L_MAX}"]
# 1. Local perception: NLL growth past the trained length, per twin (pre-trained: T → 4T and the
#    longest L; post-trained `none`: T' → longest L), and attention locality.
for twin in TWINS:
    pre = next(r for r in rows if r["twin"] == twin and r["spec"] == "pretrain")
    # One pre-trained model per twin: the spread is the probe's own standard errors, combined as if
    # independent (different windows), sqrt(SE_L² + SE_T²).
    hypotheses[f"{twin}_pretrain_nll_growth"] = {
        f"{length}_minus_{T}": dict(mean=pre[f"nll_{length}"] - pre[f"nll_{T}"],
                                    se=math.hypot(pre[f"nll_se_{length}"], pre[f"nll_se_{T}"]))
        for length in settings["ppl_lengths"] if length > T}
    values = [per_seed(twin, f"nll_{L_MAX}", ["none"], PACKINGS, s)
              - per_seed(twin, f"nll_{T_POST}", ["none"], PACKINGS, s) for s in SEEDS]
    hypotheses[f"{twin}_none_nll_growth_{L_MAX}_minus_{T_POST}"] = dict(
        per_seed=dict(zip(map(str, SEEDS), values)), **spread(values))
    hypotheses[f"{twin}_pretrain_attention"] = dict(local_mass=pre["attention_local_mass"],
                                                    mean_distance=pre["attention_mean_distance"])
if set(TWINS) >= {"ar", "llada"}:
    diffusion, autoregressive = hypotheses["llada_pretrain_nll_growth"], hypotheses["ar_pretrain_nll_growth"]
    hypotheses["pretrain_nll_growth_llada_minus_ar"] = {
        key: dict(mean=diffusion[key]["mean"] - autoregressive[key]["mean"],
                  se=math.hypot(diffusion[key]["se"], autoregressive[key]["se"]))
        for key in diffusion}
# 2. RoPE choice: NLL at T' and the longest L, averaged over packings.
for twin, a, b in [("llada", "diffusion-ntk", "ntk"), ("llada", "diffusion-ntk", "critical-ntk"),
                   ("ar", "critical-ntk", "ntk"), ("ar", "critical-ntk", "diffusion-ntk")]:
    for key in long_keys:
        hypotheses[f"{twin}_{key}_{a}_minus_{b}"] = paired(twin, key, ([a], PACKINGS), ([b], PACKINGS))
# 3. Training packing vs interference (inference packing eod, positions continue), averaged over specs.
for twin in TWINS:
    for a, b in [("mask", "eod"), ("eod", "direct"), ("mask", "direct")]:
        for inference in ("direct", "eod"):
            hypotheses[f"{twin}_interference_{inference}_trained_{a}_minus_{b}"] = paired(
                twin, f"interference_{inference}", (SPECS, [a]), (SPECS, [b]))

summary = dict(run=str(RUN), settings=settings, rows=rows, table=table, hypotheses=hypotheses,
               note="Numbers only: differences are A − B per seed; sd over seeds (null for one seed).")
(SUMMARY / "summary.json").write_text(json.dumps(summary, indent=1, allow_nan=True) + "\n")
print(f"wrote {SUMMARY / 'summary.json'} ({len(hypotheses)} comparisons)")


# %% [markdown]
# ## Figures

# %%
def save(fig, name):
    path = FIGURES / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    plt.show() if INTERACTIVE else plt.close(fig)


lengths = sorted(settings["ppl_lengths"])
fig, axes = plt.subplots(1, len(TWINS), figsize=(6 * len(TWINS), 4.2), squeeze=False)
for ax, twin in zip(axes[0], TWINS):
    pre = next(r for r in rows if r["twin"] == twin and r["spec"] == "pretrain")
    ax.plot(lengths, [pre.get(f"nll_{n}", math.nan) for n in lengths], "k--", marker="o", label="pre-trained")
    for spec in SPECS:
        members = [r for r in rows if r["twin"] == twin and r["spec"] == spec]
        means = [mean([r.get(f"nll_{n}") for r in members]) for n in lengths]
        sds = [spread([r.get(f"nll_{n}") for r in members])["sd"] or 0 for n in lengths]
        ax.errorbar(lengths, means, yerr=sds, marker="o", capsize=3, label=spec)
    for x, label in [(T, "T_train"), (T_POST, "T'_train")]:
        ax.axvline(x, color="grey", lw=0.8, ls=":")
        ax.text(x, 0.02, f" {label}", transform=ax.get_xaxis_transform(), fontsize=8, ha="left", va="bottom")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("context length L (tokens)")
    ax.set_ylabel("nats/token (" + ("chain rule" if twin == "ar" else "masked-diffusion bound") + ")")
    ax.set_title(f"{twin}: held-out NLL vs L\n(mean ± sd over packings × seeds)", fontsize=10)
    ax.legend(fontsize=8)
save(fig, "miniature_nll_vs_length")

fig, axes = plt.subplots(1, len(TWINS), figsize=(6 * len(TWINS), 4.2), squeeze=False)
colours = {"direct": "tab:red", "eod": "tab:orange", "mask": "tab:blue"}
for ax, twin in zip(axes[0], TWINS):
    width = 0.8 / len(PACKINGS)
    for j, inference in enumerate(PACKINGS):
        stats = [spread([r[f"interference_{inference}"] for r in rows if r["twin"] == twin and r["packing"] == trained])
                 for trained in PACKINGS]
        ax.bar(np.arange(len(PACKINGS)) + (j - 1) * width, [s["mean"] for s in stats], width,
               yerr=[s["sd"] or 0 for s in stats], capsize=3, color=colours.get(inference), label=f"probed {inference}")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(np.arange(len(PACKINGS)), [f"trained {p}" for p in PACKINGS])
    ax.set_ylabel("mean ΔNLL (packed − alone), nats")
    ax.set_title(f"{twin}: interference by packing\n(mean ± sd over specs × seeds)", fontsize=10)
    ax.legend(fontsize=8)
save(fig, "miniature_interference_by_packing")
