#!/usr/bin/env python3
"""Training speed: `ropescope train` against PyTorch CPU eager on the same model, data and threads.

What is measured
----------------
One configuration (default: the tiny twin shape, d_model 128, 4 layers, 4 query / 2 key-value
heads, SwiGLU 344, byte vocabulary 259, tied head, batch 8 × context 256, AdamW, clipping), one
objective, N optimiser steps on the same generated corpus (deterministic English-like text).

- ropescope: `ropescope train --json` (release build); its `tokens_per_second` counts
  batch × context tokens per step over the training loop only (start-up and checkpoint writing
  excluded). Peak RSS of the process from wait4().
- PyTorch: the same model written batched in eager mode (`F.scaled_dot_product_attention`,
  float32), the same objective and optimiser (torch.optim.AdamW, clip_grad_norm_), random windows
  of the same packed corpus; 2 warm-up steps excluded, then N timed steps. Peak RSS of its process.

Both sides use the same thread count (`--threads`, default 2: `OPENBLAS_NUM_THREADS` for ropescope,
whose attention also runs its heads on that many cores; `torch.set_num_threads` for PyTorch). One
run each (a benchmark, not a timed test); the target is ropescope ≥ 1.5× PyTorch tokens/s.

How to run (torch from the pinned fixture venv, see scripts/fixtures/requirements-training.txt):

    swift build -c release --product ropescope
    /tmp/torch-venv/bin/python benchmarks/bench_training.py [--steps 10] [--objective ar] [--json-output out/bench-training.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG = {"embedding_size": 128, "layer_count": 4, "head_count": 4, "key_value_head_count": 2, "feed_forward_size": 344,
          "batch_size": 8, "learning_rate": 3e-3, "minimum_learning_rate": 3e-4, "warmup_steps": 2, "seed": 1}
VOCAB, EOD, MASK = 259, 257, 258


def corpus(directory: Path, documents: int = 200) -> list[bytes]:
    """Deterministic pseudo-English documents (a fixed word list, an LCG choosing words)."""
    words = ("the of and to in is that for it as with was on be by at this from or which an are not have "
             "model token window attention rotary position context length layer head value key query").split()
    state, out = 12345, []
    for d in range(documents):
        parts = []
        for _ in range(150 + (d * 37) % 400):
            state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
            parts.append(words[(state >> 33) % len(words)])
        text = (" ".join(parts) + ".\n").encode()
        (directory / f"doc{d:04d}.txt").write_bytes(text)
        out.append(text)
    return out


def run_ropescope(binary: Path, directory: Path, objective: str, context: int, steps: int, threads: int) -> dict:
    config = directory / "tiny.json"
    config.write_text(json.dumps(CONFIG))
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    process = subprocess.Popen([str(binary), "train", "--objective", objective, "--config", str(config), "--data",
                                str(directory / "data"), "--context-length", str(context), "--steps", str(steps),
                                "--output", str(directory / "twin.gguf"), "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        sys.exit(f"ropescope train failed ({process.returncode}): {stderr.decode()[-2000:]}")
    report = json.loads(stdout)
    # The largest RSS of any waited-for child: this is the script's first child process.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"tokens_per_second": report["tokens_per_second"], "train_loss": report["train_loss"], "peak_rss_bytes": peak}


def run_torch(documents: list[bytes], objective: str, context: int, steps: int, threads: int) -> dict:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    c = CONFIG
    d, layers, heads, kv, ff, batch = (c["embedding_size"], c["layer_count"], c["head_count"], c["key_value_head_count"],
                                       c["feed_forward_size"], c["batch_size"])
    hd = d // heads
    stream = []
    for i, text in enumerate(documents):
        if (i + 1) % 10 != 0:
            stream.extend(text)
            stream.append(EOD)
    stream = torch.tensor(stream, dtype=torch.long)

    def param(*shape, gain=False):
        return torch.nn.Parameter(torch.ones(shape) if gain else torch.randn(shape) * 0.02)

    p = {"emb": param(VOCAB, d), "norm": param(d, gain=True)}
    for i in range(layers):
        p.update({f"{i}.n1": param(d, gain=True), f"{i}.q": param(heads * hd, d), f"{i}.k": param(kv * hd, d),
                  f"{i}.v": param(kv * hd, d), f"{i}.o": param(d, heads * hd), f"{i}.n2": param(d, gain=True),
                  f"{i}.g": param(ff, d), f"{i}.u": param(ff, d), f"{i}.dn": param(d, ff)})
    inv = 10000.0 ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    angle = torch.arange(context, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cos(angle).float()[None, :, None, :], torch.sin(angle).float()[None, :, None, :]

    def rope(x):
        a, b = x[..., 0::2], x[..., 1::2]
        return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)

    def rms(x, g):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * g

    def loss_of(tokens):
        B, L = tokens.shape
        inputs, weights = tokens, None
        if objective == "masked-diffusion":
            t = 1e-3 + (1 - 1e-3) * torch.rand(B, 1)
            masked = torch.rand(B, L) < t
            inputs = torch.where(masked, torch.full_like(tokens, MASK), tokens)
            weights = masked.float() / (t * L)
        x = p["emb"][inputs]
        for i in range(layers):
            n = rms(x, p[f"{i}.n1"])
            q = rope((n @ p[f"{i}.q"].T).view(B, L, heads, hd)).transpose(1, 2)
            k = rope((n @ p[f"{i}.k"].T).view(B, L, kv, hd)).transpose(1, 2).repeat_interleave(heads // kv, dim=1)
            v = (n @ p[f"{i}.v"].T).view(B, L, kv, hd).transpose(1, 2).repeat_interleave(heads // kv, dim=1)
            z = F.scaled_dot_product_attention(q, k, v, is_causal=objective == "ar")
            x = x + z.transpose(1, 2).reshape(B, L, heads * hd) @ p[f"{i}.o"].T
            n = rms(x, p[f"{i}.n2"])
            x = x + (F.silu(n @ p[f"{i}.g"].T) * (n @ p[f"{i}.u"].T)) @ p[f"{i}.dn"].T
        logits = rms(x, p["norm"]) @ p["emb"].T
        if objective == "ar":
            return F.cross_entropy(logits[:, :-1].reshape(-1, VOCAB), tokens[:, 1:].reshape(-1))
        ce = F.cross_entropy(logits.reshape(-1, VOCAB), tokens.reshape(-1), reduction="none").view(B, L)
        return (ce * weights).sum(1).mean()

    decay = [t for t in p.values() if t.dim() == 2]
    no_decay = [t for t in p.values() if t.dim() == 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=c["learning_rate"], betas=(0.9, 0.95), eps=1e-8)
    generator = torch.Generator().manual_seed(1)

    def step():
        starts = torch.randint(0, len(stream) - context + 1, (batch,), generator=generator)
        tokens = torch.stack([stream[s:s + context] for s in starts.tolist()])
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(tokens)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(p.values()), 1.0)
        optimizer.step()
        return float(loss)

    for _ in range(2):
        step()
    start = time.perf_counter()
    losses = [step() for _ in range(steps)]
    elapsed = time.perf_counter() - start
    return {"tokens_per_second": steps * batch * context / elapsed, "last_loss": losses[-1],
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "torch_version": torch.__version__}


def main() -> None:
    parser = argparse.ArgumentParser(description="ropescope train vs PyTorch CPU eager")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--context-length", type=int, default=256)
    parser.add_argument("--objective", choices=["ar", "masked-diffusion"], default="ar")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bin-path", type=Path, default=REPO_ROOT / ".build" / "release")
    parser.add_argument("--json-output", type=Path)
    args = parser.parse_args()
    binary = args.bin_path / "ropescope"
    if not binary.exists():
        sys.exit(f"{binary} is missing: swift build -c release --product ropescope")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "data").mkdir()
        documents = corpus(directory / "data")
        swift = run_ropescope(binary, directory, args.objective, args.context_length, args.steps, args.threads)
    # PyTorch runs in a child process so that its peak RSS is its own.
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_training as b, tempfile, pathlib\n"
            f"d = pathlib.Path(tempfile.mkdtemp()); docs = b.corpus(d)\n"
            f"print(json.dumps(b.run_torch(docs, {args.objective!r}, {args.context_length}, {args.steps}, {args.threads})))")
    torch_out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    torch_result = json.loads(torch_out.stdout.strip().splitlines()[-1])
    result = {
        "config": CONFIG, "objective": args.objective, "context_length": args.context_length, "steps": args.steps,
        "threads": args.threads, "machine": {"cpu": platform.processor() or platform.machine(), "nproc": os.cpu_count(),
                                              "load_average": os.getloadavg()},
        "ropescope": swift, "pytorch": torch_result,
        "speedup": swift["tokens_per_second"] / torch_result["tokens_per_second"],
    }
    print(json.dumps(result, indent=2))
    if args.json_output:
        args.json_output.parent.mkdir(parents=True, exist_ok=True)
        args.json_output.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
