#!/usr/bin/env python3
"""Overhead of `probe attention`'s streamed statistics over plain scoring (target: <= 30% at L = 8192).

What it measures (one process, `ropescope-bench attention-profile`, release build):
  - forward: one window of L tokens of the text scored as `score` does (next-token NLL of every
    position, no logits returned) without and with the attention-profile recorder (log distance
    bins, sink 4, local 128), the two interleaved repeat by repeat (plain, profiled, plain, ...)
    so that the load of a shared machine hits both alike; the ratio of the medians;
  - kernel: the attention kernel alone at L on random inputs of the model's shape, plain vs
    profiled, interleaved the same way.
The CPU, BLAS kernel and threads come from `ropescope system --json`. Results go to
benchmarks/results/<date>-attention-profile.{json,txt}.

Usage: swift build -c release && .venv/bin/python benchmarks/bench_attention_profile.py [--length 8192] [--repeats 3]
"""
import argparse
import datetime
import json
import subprocess
import sys
from pathlib import Path

from bench_system import ropescope_system

REPO = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", type=Path, default=REPO / ".build" / "release")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf")
    parser.add_argument("--text", type=Path, default=REPO / "Tests" / "Fixtures" / "text" / "gnu-licenses.txt")
    parser.add_argument("--length", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args()

    # The machine facts come from any build of ropescope (release if built, else debug).
    cli = args.bin_dir / "ropescope"
    system = ropescope_system(cli if cli.exists() else REPO / ".build" / "debug" / "ropescope")
    run = subprocess.run([str(args.bin_dir / "ropescope-bench"), "attention-profile", "--model", str(args.model),
                          "--text-file", str(args.text), "--context-length", str(args.length), "--repeats", str(args.repeats)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"ropescope-bench exited {run.returncode}: {run.stderr}")
    result = json.loads(run.stdout)
    result["system"] = system
    result["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    wall, cpu = result["median_seconds"], result["median_cpu_seconds"]
    forward = result["forward_cpu_ratio"]
    lines = [
        f"attention-profile overhead at L = {args.length}, {args.repeats} interleaved forward repeats "
        f"({result['kernel_repeats']} kernel), {result['date']}",
        f"system: {json.dumps(system, sort_keys=True)}",
        f"forward (score window), median CPU s: plain {cpu['forward_plain']:.1f}, profiled {cpu['forward_profiled']:.1f}, "
        f"ratio {forward:.3f} (overhead {100 * (forward - 1):.1f}%; target <= 30%: {'met' if forward <= 1.3 else 'NOT met'})",
        f"forward, median wall s: plain {wall['forward_plain']:.1f}, profiled {wall['forward_profiled']:.1f}, "
        f"ratio {result['forward_ratio']:.3f}",
        f"kernel alone, median CPU s: plain {cpu['kernel_plain']:.2f}, profiled {cpu['kernel_profiled']:.2f}, "
        f"ratio {result['kernel_cpu_ratio']:.3f}; wall ratio {result['kernel_ratio']:.3f}",
        f"every repeat, wall s: {json.dumps(result['seconds'], sort_keys=True)}",
        f"every repeat, CPU s: {json.dumps(result['cpu_seconds'], sort_keys=True)}",
    ]
    print("\n".join(lines))
    args.results.mkdir(parents=True, exist_ok=True)
    stem = args.results / f"{datetime.date.today().isoformat()}-attention-profile"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    stem.with_suffix(".txt").write_text("\n".join(lines) + "\n")
    print(f"wrote {stem}.json and .txt")


if __name__ == "__main__":
    main()
