#!/usr/bin/env python3
"""`ropescope score --weights float32` vs `--weights quantized` on the same windows: speed and
peak RSS, one run, repeats interleaved (float32, quantized, float32, …), best repeat reported.

Text and windows as bench_inference.py (Tests/Fixtures/text/sample.txt + Python's
`pydoc_data.topics`); each repeat is a fresh `score` process; peak RSS is the child's
`ru_maxrss` (os.wait4); speed is `tokens_per_second` of `score --json` (model load excluded).
Machine facts from `ropescope system --json` are recorded with the result.

    swift build -c release --product ropescope
    python3 benchmarks/bench_weights.py --ropescope .build/release/ropescope --lengths 2048 \
        --json-output benchmarks/results/DATE-weights.json

Standard library only (no numpy), so any Python 3.10+ runs it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_system import ropescope_system  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def write_text(path: Path) -> str:
    """The text of bench_inference.py (that module needs numpy and llama-cpp-python); its SHA-256."""
    import pydoc_data.topics as topics
    parts = [(ROOT / "Tests/Fixtures/text/sample.txt").read_text(encoding="utf-8")]
    parts += [topics.topics[key] for key in sorted(topics.topics)]
    text = "\n\n".join(parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_child(command: list[str]) -> tuple[str, int]:
    """Runs `command` as a direct child; returns (stdout, peak RSS in bytes)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code != 0:
        raise RuntimeError(f"{command[0]} exited with {code}: {stderr.strip()[-2000:]}")
    return stdout, usage.ru_maxrss * 1024


def measure(args, weights: str, length: int) -> dict:
    command = [str(args.ropescope), "score", str(args.model), "--text-file", str(args.text), "--context-length",
               str(length), "--windows", str(args.windows), "--threads", str(args.threads), "--weights", weights, "--json"]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    stdout, rss = run_child(command)
    report = json.loads(stdout)
    wall = time.perf_counter() - started
    print(f"  {weights:9s} L={length}: {report['tokens_per_second']:7.1f} tok/s, NLL {report['mean_nll']:.6f}, "
          f"RSS {rss / 2**20:.0f} MiB, load {load:.2f}", flush=True)
    return {"weights": weights, "tokens_per_second": report["tokens_per_second"], "mean_nll": report["mean_nll"],
            "peak_rss_bytes": rss, "load_1min": load, "process_seconds": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ropescope", type=Path, default=ROOT / ".build/release/ropescope")
    parser.add_argument("--model", type=Path, default=ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf")
    parser.add_argument("--text", type=Path, default=ROOT / "out/bench-text.txt")
    parser.add_argument("--lengths", default="2048")
    parser.add_argument("--windows", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json-output", type=Path)
    args = parser.parse_args()
    text_sha = write_text(args.text)
    result = {"machine": ropescope_system(args.ropescope), "text_sha256": text_sha, "windows": args.windows,
              "threads": args.threads, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "lengths": {}}
    for length in [int(x) for x in args.lengths.split(",")]:
        runs = []
        for _ in range(args.repeats):
            for weights in ("float32", "quantized"):
                runs.append(measure(args, weights, length))
        best = {w: max((r for r in runs if r["weights"] == w), key=lambda r: r["tokens_per_second"])
                for w in ("float32", "quantized")}
        ratio = best["quantized"]["tokens_per_second"] / best["float32"]["tokens_per_second"]
        rss = {w: min(r["peak_rss_bytes"] for r in runs if r["weights"] == w) for w in best}
        print(f"L={length}: quantized/float32 speed {ratio:.3f}, peak RSS {rss['float32'] / 2**20:.0f} → "
              f"{rss['quantized'] / 2**20:.0f} MiB", flush=True)
        result["lengths"][str(length)] = {"runs": runs, "speed_ratio": ratio, "peak_rss_bytes": rss}
    if args.json_output:
        args.json_output.parent.mkdir(parents=True, exist_ok=True)
        args.json_output.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
