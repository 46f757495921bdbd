"""llama.cpp side of bench_inference.py: one (L, flash attention) setting, run in its own process.

Job (JSON): model path, windows (.npy of int32 [N, L]), flash_attention (bool), threads, repeats.
Result: per-repeat decode seconds and tokens/s (N*L / sum of the N llama_decode times) and the
mean next-token NLL over all windows (targets 1..L-1 of each window, the same as ropescope's
`--score all`), in float64 from llama.cpp's float32 logits.

Uses llama-cpp-python 0.3.36's `_ctx`/`_batch` wrappers (LlamaContext.decode, LlamaBatch.set_batch,
LlamaContext.kv_cache_clear/get_logits) to time llama_decode alone: Llama.eval would also copy the
[L, V] logits into a numpy array inside the loop.
"""
from __future__ import annotations

import os
import time

import numpy as np


def next_token_nll(logits: np.ndarray, window: np.ndarray, chunk: int = 512) -> np.ndarray:
    """nll[t-1] = logsumexp(logits[t-1]) - logits[t-1, window[t]], t = 1..L-1, float64; logits [L, V]."""
    length = window.shape[0]
    result = np.empty(length - 1)
    for start in range(0, length - 1, chunk):
        stop = min(length - 1, start + chunk)
        rows = logits[start:stop].astype(np.float64)
        peak = rows.max(axis=1)
        logsumexp = peak + np.log(np.exp(rows - peak[:, None]).sum(axis=1))
        result[start:stop] = logsumexp - rows[np.arange(stop - start), window[start + 1:stop + 1]]
    return result


def run_worker(job: dict) -> dict:
    import llama_cpp

    windows = np.load(job["windows"])
    count, length = windows.shape
    model = llama_cpp.Llama(
        job["model"], n_ctx=length, n_batch=length, n_ubatch=length,
        n_threads=job["threads"], n_threads_batch=job["threads"],
        logits_all=True, flash_attn=bool(job["flash_attention"]), verbose=False)
    vocabulary = model.n_vocab()
    runs, nll_sum, nll_count = [], 0.0, 0
    for repeat in range(job["repeats"]):
        load = os.getloadavg()[0]
        seconds = 0.0
        for window in windows:
            model._ctx.kv_cache_clear()
            model._batch.set_batch(window.tolist(), n_past=0, logits_all=True)
            start = time.perf_counter()
            model._ctx.decode(model._batch)   # raises on a non-zero llama_decode status
            seconds += time.perf_counter() - start
            if repeat == 0:
                logits = np.ctypeslib.as_array(model._ctx.get_logits(), shape=(length * vocabulary,))
                nll = next_token_nll(logits.reshape(length, vocabulary), window)
                nll_sum += float(nll.sum())
                nll_count += nll.size
        runs.append({"seconds": seconds, "tokens_per_second": count * length / seconds, "load_1min": load})
    model.close()
    return {"runs": runs, "mean_nll": nll_sum / nll_count, "tokens_scored": nll_count,
            "flash_attention": bool(job["flash_attention"])}
