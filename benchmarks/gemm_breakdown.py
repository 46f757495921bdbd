#!/usr/bin/env python3
"""Time the sgemm calls of one ropescope forward pass, by component, on the same OpenBLAS.

ropescope's forward pass (Sources/Inference: Block.swift, TiledAttention.swift, OutputHead.swift)
issues these cblas_sgemm calls per window of L tokens (row-major, y = x·Wᵀ):
  per layer  Q, K, V projections   M=L, N=d_q / d_kv / d_kv, K=d_model          (BLAS threads = T)
             O projection           M=L, N=d_model, K=d_q, beta=1
             MLP per 256-row chunk  gate, up: M=256, N=d_ff, K=d_model; down: M=256, N=d_model, K=d_ff, beta=1
             attention, causal      per (head, 128-query block, 128-key block on or below the diagonal):
                                    S = Q·Kᵀ (128×128×d_head) and O += P·V (128×d_head×128), one BLAS
                                    thread each, T such tiles in flight at once (DispatchQueue workers)
  once       output head            ceil((L-1)/64) chunks of M=64, N=V, K=d_model
This script replays those calls with random data through ctypes on the library ropescope links
(libopenblas.so.0), in the same threading (OpenBLAS with T threads for the projections; T Python
threads each calling single-threaded sgemm for the attention tiles; ctypes releases the GIL), and
prints the seconds each component would take. Attention tiles are timed on a sample and scaled by
the tile count. The difference between ropescope's measured forward time and the sum is what the
Swift loops (softmax, RMSNorm, RoPE, SwiGLU, logsumexp, copies) and thread hand-offs cost.

Run: python3 benchmarks/gemm_breakdown.py --lengths 2048,8192 [--threads 2]
Defaults are SmolLM2-135M's shapes (d_model 576, 9 heads, 3 KV heads, d_head 64, d_ff 1536,
V 49152, 30 layers). Needs numpy only (pinned in requirements-inference.txt).
"""
from __future__ import annotations

import argparse
import ctypes
import threading
import time

import numpy as np

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def load_blas(path: str) -> ctypes.CDLL:
    blas = ctypes.CDLL(path)
    blas.cblas_sgemm.restype = None
    blas.cblas_sgemm.argtypes = [ctypes.c_int] * 6 + [ctypes.c_float, ctypes.c_void_p, ctypes.c_int,
                                                      ctypes.c_void_p, ctypes.c_int, ctypes.c_float,
                                                      ctypes.c_void_p, ctypes.c_int]
    blas.openblas_set_num_threads.argtypes = [ctypes.c_int]
    return blas


def sgemm(blas, m, n, k, a, lda, b, ldb, c, ldc, transpose_b=True, alpha=1.0, beta=0.0):
    blas.cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS if transpose_b else NO_TRANS, m, n, k, alpha,
                     a.ctypes.data, lda, b.ctypes.data, ldb, beta, c.ctypes.data, ldc)


def linear_seconds(blas, rows: int, inputs: int, outputs: int, beta: float, repeats: int = 3) -> float:
    """Best-of-`repeats` seconds of y[rows, outputs] = x[rows, inputs]·W[outputs, inputs]ᵀ (+ beta·y)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, inputs), dtype=np.float32)
    w = rng.standard_normal((outputs, inputs), dtype=np.float32)
    y = np.zeros((rows, outputs), dtype=np.float32)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        sgemm(blas, rows, outputs, inputs, x, inputs, w, inputs, y, outputs, beta=beta)
        best = min(best, time.perf_counter() - start)
    return best


def attention_tile_seconds(blas, threads: int, head_dim: int, block: int, heads: int, kv_heads: int,
                           tiles_per_thread: int = 2000, repeats: int = 3) -> float:
    """Wall seconds per (S = Q·Kᵀ, O += P·V) tile pair with `threads` tiles in flight: the best of
    `repeats` runs of `tiles_per_thread` pairs per thread (shorter samples are dominated by noise)."""
    rng = np.random.default_rng(1)
    q_stride, kv_stride = heads * head_dim, kv_heads * head_dim
    q = rng.standard_normal((block, q_stride), dtype=np.float32)
    k = rng.standard_normal((block, kv_stride), dtype=np.float32)
    v = rng.standard_normal((block, kv_stride), dtype=np.float32)
    blas.openblas_set_num_threads(1)

    def worker():
        scores = np.zeros((block, block), dtype=np.float32)
        out = np.zeros((block, head_dim), dtype=np.float32)
        for _ in range(tiles_per_thread):
            sgemm(blas, block, block, head_dim, q, q_stride, k, kv_stride, scores, block, alpha=0.125)
            sgemm(blas, block, head_dim, block, scores, block, v, kv_stride, out, head_dim,
                  transpose_b=False, beta=1.0)

    best = float("inf")
    for _ in range(repeats):
        workers = [threading.Thread(target=worker) for _ in range(threads)]
        start = time.perf_counter()
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        best = min(best, (time.perf_counter() - start) / (tiles_per_thread * threads))
    return best


def flops(length: int, s: argparse.Namespace) -> dict[str, float]:
    """Floating-point operations (2 per multiply-add) of each component for one window."""
    d_q, d_kv = s.heads * s.head_dim, s.kv_heads * s.head_dim
    blocks = -(-length // s.block)
    return {"QKV projections": 2 * s.layers * length * s.d_model * (d_q + 2 * d_kv),
            "O projection": 2 * s.layers * length * d_q * s.d_model,
            "MLP (gate, up, down)": 6 * s.layers * length * s.d_model * s.d_ff,
            "attention tiles (QKᵀ, PV)": 4 * s.layers * s.heads * (blocks * (blocks + 1) // 2) * s.block**2 * s.head_dim,
            "output head": 2 * (length - 1) * s.d_model * s.vocab}


def breakdown(blas, length: int, threads: int, s: argparse.Namespace) -> dict[str, float]:
    d_q, d_kv = s.heads * s.head_dim, s.kv_heads * s.head_dim
    blas.openblas_set_num_threads(threads)
    qkv = (linear_seconds(blas, length, s.d_model, d_q, 0) + 2 * linear_seconds(blas, length, s.d_model, d_kv, 0))
    out = linear_seconds(blas, length, d_q, s.d_model, 1)
    chunks, last = divmod(length, s.mlp_rows)
    def mlp_chunk(rows):
        return (2 * linear_seconds(blas, rows, s.d_model, s.d_ff, 0) + linear_seconds(blas, rows, s.d_ff, s.d_model, 1))
    mlp = chunks * mlp_chunk(s.mlp_rows) + (mlp_chunk(last) if last else 0)
    full, rest = divmod(length - 1, s.logit_rows)
    head = full * linear_seconds(blas, s.logit_rows, s.d_model, s.vocab, 0, repeats=2)
    head += linear_seconds(blas, rest, s.d_model, s.vocab, 0, repeats=2) if rest else 0
    blocks = -(-length // s.block)
    tile_pairs = s.heads * blocks * (blocks + 1) // 2
    attention = tile_pairs * attention_tile_seconds(blas, threads, s.head_dim, s.block, s.heads, s.kv_heads)
    blas.openblas_set_num_threads(threads)
    return {"QKV projections": s.layers * qkv, "O projection": s.layers * out, "MLP (gate, up, down)": s.layers * mlp,
            "attention tiles (QKᵀ, PV)": s.layers * attention, "output head": head}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", default="2048,8192")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--blas", default="libopenblas.so.0")
    for name, value in [("d-model", 576), ("heads", 9), ("kv-heads", 3), ("head-dim", 64), ("d-ff", 1536),
                        ("vocab", 49152), ("layers", 30), ("mlp-rows", 256), ("logit-rows", 64), ("block", 128)]:
        parser.add_argument(f"--{name}", type=int, default=value)
    args = parser.parse_args()
    blas = load_blas(args.blas)
    for length in (int(item) for item in args.lengths.split(",")):
        parts, work = breakdown(blas, length, args.threads, args), flops(length, args)
        total = sum(parts.values())
        print(f"L={length}: sgemm total {total:.2f} s per window ({sum(work.values()) / total / 1e9:.0f} GFLOP/s) "
              f"-> {length / total:.0f} tok/s if nothing else ran")
        for name, seconds in parts.items():
            print(f"  {name:<28} {seconds:7.2f} s  {100 * seconds / total:5.1f}%  {work[name] / 1e9:7.1f} GFLOP "
                  f"{work[name] / seconds / 1e9:6.1f} GFLOP/s")


if __name__ == "__main__":
    main()
