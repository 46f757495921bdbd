#!/usr/bin/env python3
"""Attribute `perf` samples of a `ropescope score` run to the parts of the forward pass.

Record (cpu-clock works without hardware counters; DWARF call chains because Swift and OpenBLAS
are built without frame pointers):
    perf record -e cpu-clock -F 199 --call-graph dwarf,16384 -o perf.data -- \\
        .build/release/ropescope score MODEL.gguf --text-file TEXT --context-length 2048 --windows 2 --threads 2 --json
    perf script -i perf.data -F tid,ip,sym,dso > perf.txt
    python3 benchmarks/perf_attribution.py perf.txt

Each sample is classified by the innermost ropescope function on its call chain (attention,
MLP, projections, output head, NLL) and by whether its leaf is in OpenBLAS (sgemm kernel or
packing) or elsewhere (Swift loops, libm). Samples of threaded sgemm that run on OpenBLAS's own
worker thread carry no ropescope frame; they are shared out over the projection, MLP and output
head sgemm in proportion to those categories' samples on the calling thread (the work of a
threaded sgemm is split evenly between the threads); the worker's other samples (spinning in
sched_yield while waiting for work) are reported as "BLAS worker thread". Samples before the first forward pass
(dynamic loading, GGUF parsing and dequantisation, tokenisation) are reported separately.
"""
from __future__ import annotations

import sys
from collections import Counter

RULES = [  # (substring of a frame on the chain, category); the first rule that matches wins
    ("processQueryBlock", "attention"), ("TiledAttention", "attention"),
    ("logSumExp", "NLL (Double logsumexp)"), ("negativeLogLikelihood", "NLL (Double logsumexp)"),
    ("LlamaModelV7outputs", "output head"),
    ("runMLP", "MLP"),
    ("RMSNorm", "RMSNorm"), ("RotaryCache", "RoPE"),
    ("runBlock", "QKV/O projections"),
    ("LlamaModelV7forward", "forward (other)"),
]
THREADED = ("QKV/O projections", "MLP", "output head")


def samples(lines):
    """Yields (tid, frames) with frames = [(symbol, dso)], leaf first."""
    tid, frames = None, []
    for line in lines:
        if not line.strip():
            if tid is not None:
                yield tid, frames
            tid, frames = None, []
        elif not line.startswith("\t") and not line.startswith(" " * 8):
            tid, frames = line.split()[0], []
        else:
            parts = line.strip().split(" ", 1)
            text = parts[1] if len(parts) > 1 else ""
            symbol, _, dso = text.rpartition(" (")
            frames.append((symbol, dso.rstrip(")")))
    if tid is not None:
        yield tid, frames


def classify(frames) -> tuple[str, str]:
    chain = " ".join(symbol for symbol, _ in frames)
    leaf_symbol, leaf_dso = frames[0] if frames else ("", "")
    if "openblas" in leaf_dso:
        leaf = "sgemm kernel" if "kernel" in leaf_symbol else "sgemm packing/beta/driver"
    elif "kernel.kallsyms" in leaf_dso:
        leaf = "kernel (scheduler, yield, page faults)"
    elif "libm" in leaf_dso:
        leaf = "libm exp/log"
    else:
        leaf = "Swift/other code"
    if "start_thread" in chain and "_dispatch" not in chain and "ropescope" not in " ".join(d for _, d in frames):
        return "BLAS worker thread", leaf   # OpenBLAS's server thread (its symbols often unresolved)
    if "PerplexityProbe" not in chain and "_dispatch_worker" not in chain:
        if "openblas" not in leaf_dso:
            return "load/tokenise (not timed)", leaf
    for needle, category in RULES:
        if needle in chain:
            return category, leaf
    if "openblas" in leaf_dso or "blas_thread_server" in chain:
        return "BLAS worker thread", leaf
    return "other", leaf


def main() -> None:
    counts: Counter = Counter()
    for _, frames in samples(open(sys.argv[1], errors="replace")):
        counts[classify(frames)] += 1
    worker = sum(n for (category, leaf), n in counts.items() if category == "BLAS worker thread" and "sgemm" in leaf)
    threaded = {c: sum(n for (category, leaf), n in counts.items() if category == c and "sgemm" in leaf) for c in THREADED}
    total_threaded = sum(threaded.values()) or 1
    timed = sum(n for (category, _), n in counts.items() if category != "load/tokenise (not timed)")
    print(f"{sum(counts.values())} samples, {timed} in the forward passes; "
          f"{worker} of sgemm on OpenBLAS's worker thread shared out over {', '.join(THREADED)}")
    by_category: Counter = Counter()
    for (category, leaf), n in counts.items():
        if category == "BLAS worker thread" and "sgemm" in leaf:
            continue
        share = n
        if category in THREADED and "sgemm" in leaf:
            share += worker * n / total_threaded
        by_category[category] += share
        if category != "load/tokenise (not timed)":
            print(f"  {category:<26} {leaf:<40} {100 * share / timed:5.1f}%")
    print("by part (share of forward-pass samples):")
    for category, n in by_category.most_common():
        if category != "load/tokenise (not timed)":
            print(f"  {category:<26} {100 * n / timed:5.1f}%")


if __name__ == "__main__":
    main()
