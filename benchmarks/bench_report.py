"""Table, target summary and JSON output of bench_inference.py."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

GIB = 2**30
NLL_TOLERANCE = 0.02          # nats: quantised-activation kernels vs float32 dequantised weights
SPEED_TARGETS = {2048: 1.5, 8192: 2.0}   # ropescope / fastest llama.cpp setting
RSS_TARGET_BYTES = 3 * GIB    # peak RSS of one 32768-token window
GRID_TOLERANCE = 0.05         # a `probe perplexity` cell's tokens/s within 5% of `score`'s


@dataclass
class Measurement:
    """Everything measured at one window length L."""
    length: int
    windows: int
    ropescope: list[dict] = field(default_factory=list)   # one dict per repeat
    llama: dict = field(default_factory=lambda: {False: [], True: []})   # flash attention -> repeats
    grid: list[dict] = field(default_factory=list)   # `probe perplexity` cells, one per repeat

    @property
    def grid_ratio(self) -> float | None:
        """Best grid-cell tokens/s over best `score` tokens/s (None when not measured)."""
        return self.best(self.grid) / self.ropescope_speed if self.grid else None

    @property
    def grid_nll_difference(self) -> float | None:
        """|grid-cell NLL - score NLL|, nats: the same protocol, so float rounding only."""
        return abs(self.grid[0]["mean_nll"] - self.ropescope_nll) if self.grid else None

    @staticmethod
    def best(runs: list[dict]) -> float:
        return max(run["tokens_per_second"] for run in runs)

    @property
    def ropescope_speed(self) -> float:
        return self.best(self.ropescope)

    def llama_speed(self, flash_attention: bool) -> float:
        return self.best(self.llama[flash_attention])

    def llama_nll(self, flash_attention: bool) -> float:
        return self.llama[flash_attention][0]["mean_nll"]

    @property
    def ratio(self) -> float:
        """ropescope tokens/s over the fastest llama.cpp setting's."""
        return self.ropescope_speed / max(self.llama_speed(False), self.llama_speed(True))

    @property
    def ropescope_nll(self) -> float:
        return self.ropescope[0]["mean_nll"]

    @property
    def nll_difference(self) -> float:
        """Largest |ropescope NLL - llama.cpp NLL| over the two llama.cpp settings, nats."""
        return max(abs(self.ropescope_nll - self.llama_nll(fa)) for fa in (False, True))

    @property
    def ropescope_rss(self) -> int:
        return max(run["peak_rss_bytes"] for run in self.ropescope)

    @property
    def load(self) -> float:
        loads = [run["load_1min"] for run in self.ropescope + self.llama[False] + self.llama[True]]
        return sum(loads) / len(loads)


def print_report(facts: dict, measurements: list[Measurement], long_run: dict | None, long_length: int) -> None:
    mib = 2**20
    print("\nprompt processing, tokens/s (best of repeats; model load excluded)")
    header = (f"{'L':>6} {'win':>4} {'ropescope':>10} {'llama FA off':>13} {'llama FA on':>12} {'ratio':>6} "
              f"{'NLL ropescope':>14} {'NLL FA off':>11} {'NLL FA on':>10} {'|dNLL|':>7} {'RSS MiB':>8} "
              f"{'llama RSS':>10} {'load':>5}")
    print(header)
    print("-" * len(header))
    for m in measurements:
        llama_rss = max(run["peak_rss_bytes"] for run in m.llama[False] + m.llama[True]) / mib
        print(f"{m.length:>6} {m.windows:>4} {m.ropescope_speed:>10.1f} {m.llama_speed(False):>13.1f} "
              f"{m.llama_speed(True):>12.1f} {m.ratio:>5.2f}x {m.ropescope_nll:>14.6f} "
              f"{m.llama_nll(False):>11.6f} {m.llama_nll(True):>10.6f} {m.nll_difference:>7.4f} "
              f"{m.ropescope_rss / mib:>8.0f} {llama_rss:>10.0f} {m.load:>5.2f}")
    print("ratio = ropescope / fastest llama.cpp setting; RSS = ropescope peak (max over repeats); "
          "llama RSS = worker process peak (Python + llama.cpp incl. its [L, V] logits buffer); "
          "load = mean 1-min load average during that row's runs")
    if long_run:
        run = long_run
        print(f"{long_length:>6}    1 {run['tokens_per_second']:>10.1f}   (ropescope only)  "
              f"NLL {run['mean_nll']:.6f}  peak RSS {run['peak_rss_bytes'] / mib:.0f} MiB "
              f"({run['peak_rss_bytes'] / GIB:.2f} GiB), load {run['load_1min']:.2f}")

    if any(m.grid for m in measurements):
        print("\ngrid engine: one `probe perplexity` cell on the same windows (best of repeats)")
        for m in measurements:
            if m.grid:
                print(f"  L={m.length:>6}: grid {m.best(m.grid):7.1f} tok/s vs score {m.ropescope_speed:7.1f} "
                      f"-> {m.grid_ratio:.3f}; every repeat grid/score: "
                      + ", ".join(f"{g['tokens_per_second']:.1f}/{r['tokens_per_second']:.1f}"
                                  for g, r in zip(m.grid, m.ropescope))
                      + f"; |dNLL| {m.grid_nll_difference:.2e}; whole process (load, tokenise, score, "
                      f"report) best {min(g['process_seconds'] for g in m.grid):.2f} s vs "
                      f"{min(r['process_seconds'] for r in m.ropescope):.2f} s")

    print("\ntargets")
    by_length = {m.length: m for m in measurements}
    for length, target in SPEED_TARGETS.items():
        m = by_length.get(length)
        if m is None:
            print(f"  speed at L={length} >= {target}x llama.cpp: not measured")
        else:
            print(f"  speed at L={length} >= {target}x llama.cpp: {m.ratio:.2f}x -> {'MET' if m.ratio >= target else 'NOT MET'}")
    for m in measurements:
        if m.grid_ratio is not None:
            verdict = "MET" if abs(m.grid_ratio - 1) <= GRID_TOLERANCE else "NOT MET"
            print(f"  grid cell at L={m.length} within {GRID_TOLERANCE:.0%} of score: {m.grid_ratio:.3f} -> {verdict}")
    if long_run:
        rss = long_run["peak_rss_bytes"]
        print(f"  peak RSS at L={long_length} < 3 GiB: {rss / GIB:.2f} GiB -> {'MET' if rss < RSS_TARGET_BYTES else 'NOT MET'}")
    else:
        print("  peak RSS at L=32768 < 3 GiB: not measured")
    for m in measurements:
        verdict = "ok" if m.nll_difference <= NLL_TOLERANCE else "DISAGREE"
        print(f"  NLL agreement at L={m.length} (<= {NLL_TOLERANCE} nats): {m.nll_difference:.4f} -> {verdict}")
    print(f"  load average at start {facts['load_at_start']}, at end {facts['load_at_end']} "
          f"on {facts['nproc']} cores shared with other work")


def write_json(path: Path, facts: dict, measurements: list[Measurement], long_run: dict | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"length": m.length, "windows": m.windows, "ropescope": m.ropescope,
             "llama_cpp_flash_attention_off": m.llama[False], "llama_cpp_flash_attention_on": m.llama[True],
             "best_tokens_per_second": {"ropescope": m.ropescope_speed, "llama_cpp_flash_attention_off": m.llama_speed(False),
                                        "llama_cpp_flash_attention_on": m.llama_speed(True)},
             "ratio_vs_fastest_llama_cpp": m.ratio, "nll_difference": m.nll_difference,
             "probe_perplexity_cell": m.grid, "grid_over_score": m.grid_ratio,
             "grid_nll_difference": m.grid_nll_difference} for m in measurements]
    path.write_text(json.dumps({"machine": facts, "lengths": rows, "long_window": long_run}, indent=2))
