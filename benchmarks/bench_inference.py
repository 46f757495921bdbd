#!/usr/bin/env python3
"""Prompt-processing speed and peak memory of `ropescope score` against llama.cpp.

What it measures (one run):
  1. For each window length L (default 512, 2048, 8192): tokens/s of processing whole windows of
     L tokens at once (causal attention, logits for every position, model load excluded), for
     ropescope (release build) and for llama.cpp through llama-cpp-python with flash attention off
     and on, on the same GGUF and the same token windows; best of --repeats runs. Also each side's
     mean next-token NLL on those windows (sanity check: they should agree within ~0.02 nats).
  2. Peak RSS of every ropescope process (and, for information, of each llama.cpp worker), plus
     one ropescope run of a single --rss-length-token window (default 32768).
  3. The same windows as one cell of `ropescope probe perplexity --json` (the grid engine: same
     protocol as `score`, plus position bins and per-token NLL kept for the archive), interleaved
     with the other runs; its tokens/s against `score`'s (target: within 5%).
  4. A summary against the targets: ropescope >= 1.5x the fastest llama.cpp setting at L=2048,
     >= 2x at 8192, a grid cell within 5% of `score`, peak RSS < 3 GiB at 32768.

What each side computes inside its timed region:
  - ropescope `score --json` reports tokens_per_second = windows*L / forward seconds. A forward
    pass embeds, runs every block on all L positions (float32 weights dequantised at load, OpenBLAS
    sgemm, tiled online-softmax attention, K/V in float32), projects rows 0..L-2 through the output
    head in chunks of 64 rows (the [L, V] matrix is never materialised) and computes the NLL of
    each target in Double (logsumexp over V). The last row's logits are not needed and not computed.
  - llama.cpp: one llama_decode of the L-token batch with logits requested for all L positions
    (n_ctx = n_batch = n_ubatch = L, so the window is one micro-batch), Q4_1/Q8_0 weights used
    directly by ggml's quantised kernels (activations quantised to Q8), KV cache in f16 (the
    default). It writes the full [L, V] float32 logits. The NLL (float64 numpy, outside the timed
    region) is computed from those logits afterwards; KV memory is cleared before each window.
  Every repeat of either side is a new process (model load excluded by both timers; first-window
  allocation costs included on both sides); repeats are interleaved (ropescope, llama.cpp FA off,
  FA on, then again) so that changes in the machine's load affect all three alike.

Peak RSS: each measured program runs as a direct child; os.wait4 returns that child's own
rusage, whose ru_maxrss (KiB on Linux) is its peak resident set size.

Text: Tests/Fixtures/text/sample.txt (Alice in Wonderland, chapter 1 opening) followed by every
entry of Python's `pydoc_data.topics` (the English reference text of the Python language, sorted
by topic name, joined by blank lines): about 114k tokens of varied English prose and code, so that
windows of 8192 (and one of 32768) are available without repeating text. The file is written to
out/bench-text.txt and its SHA-256 printed; it depends on the Python minor version (3.11 here).
The benchmark checks that ropescope's tokeniser gives exactly llama.cpp's token ids for it.

Run (from the repository root, after `swift build -c release --product ropescope`):
    /work/llamavenv/bin/python benchmarks/bench_inference.py            # full run, ~55 min on 2 shared cores
    /work/llamavenv/bin/python benchmarks/bench_inference.py --lengths 512 --windows 512:2 \
        --repeats 1 --rss-length 0                                     # smoke test, ~1 min
Pinned versions: benchmarks/requirements-inference.txt (llama-cpp-python 0.3.36, numpy 2.4.6).
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_llama_worker import run_worker
from bench_report import Measurement, print_report, write_json
from bench_system import describe, ropescope_system

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_BINARY = ROOT / ".build" / "release" / "ropescope"
SAMPLE_TEXT = ROOT / "Tests" / "Fixtures" / "text" / "sample.txt"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--ropescope", type=Path, default=DEFAULT_BINARY, help="release binary")
    parser.add_argument("--build", action="store_true", help="run `swift build -c release` first")
    parser.add_argument("--lengths", default="512,2048,8192", help="window lengths L, comma-separated")
    parser.add_argument("--windows", default="512:8,2048:2,8192:2",
                        help="windows per length, L:N comma-separated (default 1 for lengths not listed)")
    parser.add_argument("--repeats", default="512:3,2048:3,8192:2",
                        help="repeats per length, L:N or one integer for all (best is reported)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--weights", choices=["float32", "quantized"], default="float32",
                        help="ropescope score --weights (quantized: GGUF encoding in memory, widened per panel)")
    parser.add_argument("--rss-length", type=int, default=32768, help="single-window RSS run; 0 skips it")
    parser.add_argument("--text", type=Path, default=ROOT / "out" / "bench-text.txt")
    parser.add_argument("--json-output", type=Path, default=ROOT / "out" / "bench-inference.json")
    parser.add_argument("--no-grid", action="store_true", help="skip the `probe perplexity` grid-cell runs")
    parser.add_argument("--facts-only", action="store_true",
                        help="print the machine facts every result records (CPU, BLAS kernel) and exit")
    parser.add_argument("--llama-worker", help=argparse.SUPPRESS)  # internal: JSON job file
    return parser.parse_args()


def per_length(spec: str, lengths: list[int], default: int) -> dict[int, int]:
    """'512:8,2048:2' -> {512: 8, 2048: 2, others: default}; a bare integer applies to all."""
    if spec.strip().isdigit():
        return {length: int(spec) for length in lengths}
    table = {int(k): int(v) for k, v in (item.split(":") for item in spec.split(",") if item.strip())}
    return {length: table.get(length, default) for length in lengths}


def write_text(path: Path) -> str:
    """Writes the benchmark text (see the module docstring); returns its SHA-256."""
    import pydoc_data.topics as topics
    parts = [SAMPLE_TEXT.read_text(encoding="utf-8")] + [topics.topics[key] for key in sorted(topics.topics)]
    text = "\n\n".join(parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_child(command: list[str], env: dict[str, str] | None = None) -> tuple[str, str, int]:
    """Runs `command` as a direct child; returns (stdout, stderr, peak RSS in bytes)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} exited with {process.returncode}: {stderr.strip()[-2000:]}")
    return stdout, stderr, usage.ru_maxrss * 1024


def machine_facts(binary: Path) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    flags = next((line.split(":", 1)[1].split() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("flags")), [])
    simd = sorted(flag for flag in flags if flag.startswith(("avx", "fma", "f16c", "amx")))
    # The kernel the measured ropescope processes run (after ropescope's start-up correction) and
    # the CPU model, as `ropescope system --json` reports them; "openblas_core" kept for old readers.
    system = ropescope_system(binary)
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    facts = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
             "nproc": os.cpu_count(), "cpu": cpu, "simd_flags": simd, "openblas_core": system["blas_kernel"],
             "ropescope_system": system,
             "memory_gib": round(int(memory) / 2**20, 1), "kernel": platform.release(),
             "python": platform.python_version(), "numpy": np.__version__}
    try:
        import llama_cpp
    except ImportError:   # --facts-only outside the llama.cpp environment
        return facts
    return facts | {"llama_cpp_python": llama_cpp.__version__,
                    "llama_cpp_system_info": llama_cpp.llama_print_system_info().decode().strip()}


def tokenize_both(binary: Path, model: Path, text_path: Path) -> tuple[list[int], bool, int]:
    """llama.cpp's token ids of the text (no BOS), after checking ropescope's are identical.
    Returns (ids, add_bos, bos_id)."""
    import llama_cpp
    vocabulary = llama_cpp.Llama(str(model), vocab_only=True, verbose=False)
    ids = vocabulary.tokenize(text_path.read_bytes(), add_bos=False, special=False)
    bos = vocabulary.token_bos()
    vocabulary.close()
    stdout, _, _ = run_child([str(binary), "tokenize", str(model), "--text-file", str(text_path), "--json"])
    report = json.loads(stdout)
    if report["ids"] != ids:
        first = next((i for i, (a, b) in enumerate(zip(report["ids"], ids)) if a != b), min(len(ids), len(report["ids"])))
        raise SystemExit(f"tokenisers disagree at token {first} (ropescope {len(report['ids'])} ids, "
                         f"llama.cpp {len(ids)}): the windows would differ")
    return ids, bool(report["add_bos"]), bos


def measure_ropescope(args, length: int, windows: int) -> dict:
    """One `ropescope score` process over the first `windows` windows of L tokens."""
    command = [str(args.ropescope), "score", str(args.model), "--text-file", str(args.text),
               "--context-length", str(length), "--windows", str(windows), "--threads", str(args.threads),
               "--weights", args.weights, "--json"]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    stdout, _, rss = run_child(command)
    wall = time.perf_counter() - started
    report = json.loads(stdout)
    if report["windows"] != windows:
        raise SystemExit(f"ropescope scored {report['windows']} windows at L={length}, expected {windows}")
    print(f"  ropescope      L={length}: {report['tokens_per_second']:7.1f} tok/s, NLL {report['mean_nll']:.6f}, "
          f"RSS {rss / 2**20:.0f} MiB, load {load:.2f}", flush=True)
    return {"command": " ".join(command), "tokens_per_second": report["tokens_per_second"], "seconds": report["seconds"],
            "mean_nll": report["mean_nll"], "tokens_scored": report["tokens_scored"], "peak_rss_bytes": rss,
            "load_1min": load, "process_seconds": wall}


def measure_grid(args, length: int, windows: int) -> dict:
    """One `ropescope probe perplexity` process whose single cell is the same windows as `score`'s
    (no --rope: the GGUF's own scaling, the only spec for L <= the trained context)."""
    command = [str(args.ropescope), "probe", "perplexity", str(args.model), "--text-file", str(args.text),
               "--context-length", str(length), "--windows", str(windows), "--threads", str(args.threads), "--json"]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    stdout, _, rss = run_child(command)
    wall = time.perf_counter() - started
    cells = json.loads(stdout)["cells"]
    if len(cells) != 1 or cells[0]["status"] != "done":
        raise SystemExit(f"probe perplexity at L={length}: expected one finished cell, got {cells}")
    cell = cells[0]
    print(f"  grid cell      L={length}: {cell['tokens_per_second']:7.1f} tok/s, NLL {cell['mean_nll']:.6f}, "
          f"RSS {rss / 2**20:.0f} MiB, load {load:.2f}", flush=True)
    return {"command": " ".join(command), "tokens_per_second": cell["tokens_per_second"], "mean_nll": cell["mean_nll"],
            "tokens_scored": cell["tokens_scored"], "peak_rss_bytes": rss, "load_1min": load, "process_seconds": wall}


def measure_llama(args, windows: np.ndarray, flash_attention: bool) -> dict:
    """One llama.cpp run over `windows` in a fresh worker process (this script with --llama-worker)."""
    with tempfile.TemporaryDirectory() as directory:
        job = Path(directory) / "job.json"
        np.save(Path(directory) / "windows.npy", windows)
        job.write_text(json.dumps({"model": str(args.model), "windows": str(Path(directory) / "windows.npy"),
                                   "flash_attention": flash_attention, "threads": args.threads, "repeats": 1}))
        stdout, _, rss = run_child([sys.executable, str(Path(__file__).resolve()), "--llama-worker", str(job)])
    result = json.loads(stdout.strip().splitlines()[-1])
    run = dict(result["runs"][0], mean_nll=result["mean_nll"], tokens_scored=result["tokens_scored"], peak_rss_bytes=rss)
    print(f"  llama.cpp FA {'on ' if flash_attention else 'off'} L={windows.shape[1]}: {run['tokens_per_second']:7.1f} tok/s, "
          f"NLL {run['mean_nll']:.6f}, RSS {rss / 2**20:.0f} MiB, load {run['load_1min']:.2f}", flush=True)
    return run


def main() -> None:
    args = parse_arguments()
    if args.llama_worker:
        print(json.dumps(run_worker(json.loads(Path(args.llama_worker).read_text()))))
        return
    if args.build or not args.ropescope.exists():
        subprocess.run(["swift", "build", "-c", "release", "--product", "ropescope"], cwd=ROOT, check=True)
    lengths = [int(item) for item in args.lengths.split(",") if item.strip()]
    window_counts = per_length(args.windows, lengths, 1)
    repeat_counts = per_length(args.repeats, lengths, 3)
    facts = machine_facts(args.ropescope)
    if args.facts_only:
        print(describe(facts["ropescope_system"]))
        print(json.dumps(facts, indent=2))
        return
    facts["ropescope_weights"] = args.weights
    facts["load_at_start"] = [round(x, 2) for x in os.getloadavg()]
    facts["text_sha256"] = write_text(args.text)
    ids, add_bos, bos = tokenize_both(args.ropescope, args.model, args.text)
    facts["text_tokens"] = len(ids)
    print(f"{facts['date']}  {describe(facts['ropescope_system'])}  "
          f"load {facts['load_at_start']}\ntext {args.text} ({len(ids)} tokens, sha256 {facts['text_sha256']}); "
          "ropescope and llama.cpp token ids identical", flush=True)

    measurements = []
    for length in lengths:
        count = window_counts[length]
        if count * length > len(ids):
            raise SystemExit(f"the text has {len(ids)} tokens: too few for {count} windows of {length}")
        windows = np.array(ids[: count * length], dtype=np.int32).reshape(count, length)
        if add_bos:
            windows[:, 0] = bos   # as ropescope and llama.cpp perplexity do
        print(f"L={length}: {count} windows, best of {repeat_counts[length]}", flush=True)
        measurement = Measurement(length=length, windows=count)
        for _ in range(repeat_counts[length]):   # interleaved, so that load drift hits all three alike
            measurement.ropescope.append(measure_ropescope(args, length, count))
            if not args.no_grid:
                measurement.grid.append(measure_grid(args, length, count))
            for flash_attention in (False, True):
                measurement.llama[flash_attention].append(measure_llama(args, windows, flash_attention))
        measurements.append(measurement)

    long_run = None
    if args.rss_length > 0:
        if args.rss_length > len(ids):
            raise SystemExit(f"the text has {len(ids)} tokens: too few for one window of {args.rss_length}")
        print(f"L={args.rss_length}: one ropescope window for peak RSS", flush=True)
        long_run = measure_ropescope(args, args.rss_length, 1)
    facts["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print_report(facts, measurements, long_run, args.rss_length)
    write_json(args.json_output, facts, measurements, long_run)
    print(f"results: {args.json_output}")


if __name__ == "__main__":
    main()
