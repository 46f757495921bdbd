#!/usr/bin/env python3
"""Peak memory and prompt-processing speed on the 8B geometry (scripts/make-8b-geometry.sh files).

What it measures (one run of each, in this order; results rewritten after every step, so an
interrupted run keeps what finished):
  1. rss-llama: `ropescope score llama-8b-geometry.Q4_K_M.gguf --weights quantized` on one window
     of --rss-length (4096) tokens, causal attention: peak RSS of the process, wall time (load +
     the finite-weight scan + forward) and the forward time `score --json` reports.
  2. pp-ropescope: the same command at L = 2048 (one window): tokens/s of the forward pass alone
     (score's `seconds` exclude the model load), peak RSS. Not default steps: pp-ropescope-panels,
     the same under ROPESCOPE_QUANT_KERNEL=portable, i.e. with the K-quant products on widened
     float panels + sgemm instead of the integer GEMM (the path before the GEMM);
     pp-ropescope-avx2, the same with the AVX2 GEMM (what CPUs without AVX-512 VNNI run).
  3. pp-llama-u<ubatch>-fa<on|off>: llama.cpp (llama-cpp-python) on the same file and the same
     2048 token ids, n_ctx = n_batch = 2048, the given n_ubatch and flash attention setting, logits
     for every position (ropescope computes them for every target too), one llama_decode timed;
     each setting in a fresh process (this script with --llama-worker), its peak RSS recorded.
     Both sides' mean next-token NLL over the window is recorded as a sanity check.
  4. rss-llada: `ropescope probe perplexity llada-8b-geometry.Q4_K_M.gguf --weights quantized
     --estimator masked-diffusion --samples 1` on one window of --rss-length tokens: one
     bidirectional forward pass with the mask drawn for t ~ U(0, 1] (the fewest samples that is
     still one real pass), peak RSS and wall time.

Peak RSS: every measured program runs as a direct child; os.wait4's ru_maxrss (KiB) is its peak
resident set (mapped weight pages included once touched). The machine is shared: the 1-minute load
average is recorded at the start of every step, and the text summary says so.

The text is Tests/Fixtures/text/gnu-licenses.txt; the 8B files' byte vocabulary makes a token of
every UTF-8 byte (checked against llama.cpp's tokenizer), so 4096 tokens are its first 4096 bytes.

Run (from the repository root, after `swift build -c release --product ropescope` and
`scripts/make-8b-geometry.sh`), in the background; a full run is ~1 h on 2 shared cores:
    nohup /tmp/llamacpp-venv/bin/python benchmarks/bench_8b.py > out/8b/bench.log 2>&1 &
    /tmp/llamacpp-venv/bin/python benchmarks/bench_8b.py --steps rss-llama --rss-length 256   # smoke test
Pinned versions: scripts/fixtures/requirements-8b.txt (llama-cpp-python 0.3.36, numpy 2.4.6).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_system import describe, ropescope_system  # noqa: E402

KERNEL_STEPS = {"pp-ropescope-panels": "portable", "pp-ropescope-avx2": "avx2"}   # step -> ROPESCOPE_QUANT_KERNEL
DEFAULT_STEPS = "rss-llama,pp-ropescope,pp-llama-u512-faon,pp-llama-u2048-faoff,rss-llada,pp-llama-u512-faoff,pp-llama-u2048-faon"
GIB = 2 ** 30


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "out" / "8b", help="where make-8b-geometry.sh wrote the files")
    parser.add_argument("--ropescope", type=Path, default=ROOT / ".build" / "release" / "ropescope")
    parser.add_argument("--text", type=Path, default=ROOT / "Tests" / "Fixtures" / "text" / "gnu-licenses.txt")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rss-length", type=int, default=4096)
    parser.add_argument("--pp-length", type=int, default=2048)
    parser.add_argument("--steps", default=DEFAULT_STEPS, help=f"comma-separated (default {DEFAULT_STEPS})")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "2026-12-05-8b",
                        help="writes RESULTS.json and RESULTS.txt")
    parser.add_argument("--summarise", action="store_true", help="rewrite RESULTS.txt from RESULTS.json and exit")
    parser.add_argument("--llama-worker", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


CPU_SECONDS: dict[str, float] = {}   # command line -> user + system CPU seconds of its last run


def run_child(command: list[str], environment: dict[str, str] | None = None) -> tuple[str, str, int, float]:
    """Runs `command` as a direct child; returns (stdout, stderr, peak RSS bytes, wall seconds) and
    records its user + system CPU seconds in CPU_SECONDS (on a loaded machine the CPU time of a
    2-thread run is steadier than its wall time)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err,
                                   env=None if environment is None else os.environ | environment)
        _, status, usage = os.wait4(process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        CPU_SECONDS[" ".join(command)] = usage.ru_utime + usage.ru_stime
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {code}: {stderr.strip()[-2000:]}")
    return stdout, stderr, usage.ru_maxrss * 1024, time.perf_counter() - started


def ropescope_score(args, model: Path, length: int, environment: dict[str, str] | None = None) -> dict:
    command = [str(args.ropescope), "score", str(model), "--weights", "quantized", "--text-file", str(args.text),
               "--context-length", str(length), "--windows", "1", "--threads", str(args.threads), "--json"]
    stdout, _, rss, wall = run_child(command, environment)
    report = json.loads(stdout)
    return {"command": " ".join(command), "environment": environment or {}, "peak_rss_bytes": rss, "wall_seconds": wall,
            "cpu_seconds": CPU_SECONDS[" ".join(command)],
            "forward_seconds": report["seconds"], "tokens_per_second": report["tokens_per_second"],
            "mean_nll": report["mean_nll"], "tokens_scored": report["tokens_scored"]}


def ropescope_masked(args, model: Path, length: int) -> dict:
    command = [str(args.ropescope), "probe", "perplexity", str(model), "--weights", "quantized",
               "--text-file", str(args.text), "--context-length", str(length), "--windows", "1",
               "--estimator", "masked-diffusion", "--samples", "1", "--threads", str(args.threads), "--json"]
    stdout, _, rss, wall = run_child(command)
    cell = json.loads(stdout)["cells"][0]
    cpu = CPU_SECONDS[" ".join(command)]
    if cell["status"] != "done":
        raise RuntimeError(f"probe perplexity cell not done: {cell}")
    return {"command": " ".join(command), "peak_rss_bytes": rss, "wall_seconds": wall, "cpu_seconds": cpu,
            "tokens_per_second": cell.get("tokens_per_second"), "mean_nll": cell.get("mean_nll"),
            "tokens_scored": cell.get("tokens_scored")}


def window_ids(args, model: Path, length: int) -> list[int]:
    """llama.cpp's ids of the text's first `length` tokens, checked to be its UTF-8 bytes."""
    import llama_cpp
    vocabulary = llama_cpp.Llama(str(model), vocab_only=True, verbose=False)
    data = args.text.read_bytes()
    ids = vocabulary.tokenize(data[: 2 * length], add_bos=False, special=False)[:length]
    vocabulary.close()
    if ids != list(data[:length]):
        raise SystemExit("llama.cpp's tokens of the text are not its bytes: the windows would differ")
    return ids


def llama_setting(args, model: Path, ubatch: int, flash: bool) -> dict:
    ids = window_ids(args, model, args.pp_length)
    with tempfile.TemporaryDirectory() as directory:
        job = Path(directory) / "job.json"
        job.write_text(json.dumps({"model": str(model), "ids": ids, "ubatch": ubatch, "flash_attention": flash,
                                   "threads": args.threads}))
        command = [sys.executable, str(Path(__file__).resolve()), "--llama-worker", str(job)]
        stdout, _, rss, wall = run_child(command)
    return json.loads(stdout.strip().splitlines()[-1]) | {"peak_rss_bytes": rss, "wall_seconds": wall,
                                                          "cpu_seconds": CPU_SECONDS[" ".join(command)]}


def llama_worker(job_path: Path) -> None:
    """One llama_decode of the window with logits for every position (n_ctx = n_batch = L)."""
    import numpy as np
    import llama_cpp
    job = json.loads(job_path.read_text())
    ids, length = job["ids"], len(job["ids"])
    model = llama_cpp.Llama(job["model"], n_ctx=length, n_batch=length, n_ubatch=job["ubatch"],
                            n_threads=job["threads"], n_threads_batch=job["threads"], logits_all=True,
                            flash_attn=bool(job["flash_attention"]), verbose=False)
    model._ctx.kv_cache_clear()
    model._batch.set_batch(ids, n_past=0, logits_all=True)
    start = time.perf_counter()
    model._ctx.decode(model._batch)
    seconds = time.perf_counter() - start
    vocabulary = model.n_vocab()
    logits = np.ctypeslib.as_array(model._ctx.get_logits(), shape=(length * vocabulary,)).reshape(length, vocabulary)
    nll = []
    for row in range(0, length - 1, 256):
        rows = logits[row:min(row + 256, length - 1)].astype(np.float64)
        peak = rows.max(axis=1)
        lse = peak + np.log(np.exp(rows - peak[:, None]).sum(axis=1))
        nll.append(lse - rows[np.arange(rows.shape[0]), ids[row + 1:row + 1 + rows.shape[0]]])
    model.close()
    print(json.dumps({"forward_seconds": seconds, "tokens_per_second": length / seconds,
                      "mean_nll": float(np.concatenate(nll).mean()), "ubatch": job["ubatch"],
                      "flash_attention": bool(job["flash_attention"])}))


def summary(record: dict) -> str:
    lines = [f"8B-geometry benchmark, {record['date']}; {record['machine']}",
             f"threads {record['threads']}; shared machine: the 1-minute load average at the start of each step is given "
             "(2 cores shared with other jobs: absolute times vary with load, compare steps with similar load)"]
    for name, step in record["steps"].items():
        if "error" in step:
            lines.append(f"{name}: FAILED: {step['error']}")
            continue
        parts = []
        if "peak_rss_bytes" in step:
            parts.append(f"peak RSS {step['peak_rss_bytes'] / GIB:.2f} GiB")
        parts.append(f"wall {step['wall_seconds']:.0f} s")
        if step.get("cpu_seconds") is not None:
            parts.append(f"CPU {step['cpu_seconds']:.0f} s (whole process)")
        if step.get("forward_seconds") is not None:
            parts.append(f"forward {step['forward_seconds']:.0f} s")
        if step.get("tokens_per_second") is not None:
            parts.append(f"{step['tokens_per_second']:.2f} tok/s")
        if step.get("mean_nll") is not None:
            parts.append(f"NLL {step['mean_nll']:.4f}")
        parts.append(f"load {step['load_1min']:.2f}")
        lines.append(f"{name}: " + ", ".join(parts))
    ours = record["steps"].get("pp-ropescope", {}).get("tokens_per_second")
    theirs = {name: step["tokens_per_second"] for name, step in record["steps"].items()
              if name.startswith("pp-llama") and "tokens_per_second" in step}
    if ours and theirs:
        best = max(theirs, key=theirs.get)
        lines.append(f"speed at L = {record['pp_length']}: ropescope {ours:.2f} tok/s vs llama.cpp best measured setting "
                     f"{best} {theirs[best]:.2f} tok/s: ratio {ours / theirs[best]:.2f} (target >= 1)")
    for name in ("rss-llama", "rss-llada"):
        step = record["steps"].get(name, {})
        if "peak_rss_bytes" in step:
            verdict = "meets" if step["peak_rss_bytes"] < 8 * GIB else "MISSES"
            lines.append(f"{name}: peak RSS {step['peak_rss_bytes'] / GIB:.2f} GiB at L = {record['rss_length']} {verdict} < 8 GiB")
    lines += [f"note: {note}" for note in record.get("notes", [])]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_arguments()
    if args.llama_worker:
        llama_worker(args.llama_worker)
        return
    if args.summarise:
        args.results.with_suffix(".txt").write_text(summary(json.loads(args.results.with_suffix(".json").read_text())))
        return
    llama_file, llada_file = args.dir / "llama-8b-geometry.Q4_K_M.gguf", args.dir / "llada-8b-geometry.Q4_K_M.gguf"
    facts = ropescope_system(args.ropescope)
    import llama_cpp
    record = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": describe(facts),
              "ropescope_system": facts, "llama_cpp_python": llama_cpp.__version__,
              "llama_cpp_system_info": llama_cpp.llama_print_system_info().decode().strip(), "threads": args.threads,
              "rss_length": args.rss_length, "pp_length": args.pp_length, "text": str(args.text.relative_to(ROOT)),
              "files": {str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p): p.stat().st_size
                        for p in (llama_file, llada_file) if p.exists()},
              "steps": {}}
    args.results.parent.mkdir(parents=True, exist_ok=True)
    for name in args.steps.split(","):
        load = os.getloadavg()[0]
        print(f"{datetime.datetime.now():%H:%M:%S} {name}: start, load {load:.2f}", flush=True)
        try:
            if name == "rss-llama":
                step = ropescope_score(args, llama_file, args.rss_length)
            elif name == "pp-ropescope":
                step = ropescope_score(args, llama_file, args.pp_length)
            elif name in KERNEL_STEPS:
                step = ropescope_score(args, llama_file, args.pp_length, {"ROPESCOPE_QUANT_KERNEL": KERNEL_STEPS[name]})
            elif name == "rss-llada":
                step = ropescope_masked(args, llada_file, args.rss_length)
            elif name.startswith("pp-llama-u"):
                ubatch, flash = name.removeprefix("pp-llama-u").split("-fa")
                step = llama_setting(args, llama_file, int(ubatch), flash == "on")
            else:
                raise SystemExit(f"unknown step {name}")
        except (RuntimeError, OSError) as error:
            step = {"error": str(error)}
        record["steps"][name] = step | {"load_1min": load}
        print(f"{datetime.datetime.now():%H:%M:%S} {name}: {json.dumps(step)}", flush=True)
        args.results.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
        args.results.with_suffix(".txt").write_text(summary(record))
    print(summary(record))


if __name__ == "__main__":
    main()
