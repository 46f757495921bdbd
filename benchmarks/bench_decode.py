#!/usr/bin/env python3
"""KV-cached decode speed of `ropescope generate` against llama.cpp at 2K and 8K tokens of context.

What it measures: for each context length P (default 2048, 8192), a prompt of about P tokens of
the benchmark text (the first P llama.cpp tokens of bench_inference.py's text, detokenised and
retokenised, which may merge one pair; the script checks that ropescope counts the same tokens)
is prefilled once, then N (default 64) tokens
are decoded greedily one at a time with the KV cache; reported: decode tokens/s = N−1 steps /
their seconds (the first token comes from the prefill), and prefill tokens/s, best of --repeats.

  - ropescope: `generate --prompt-file F --max-tokens N --json` (release build), which reports
    tokens_per_second.prefill / .decode itself (model load excluded; a decode step = one cached
    forward pass of one token + the argmax). `--weights quantized` (default) keeps the GGUF
    matrices encoded: decode products are integer dots with 8-bit activations (as llama.cpp),
    prefill widens panels for sgemm; `--weights float32` dequantises everything at load.
    It stops early at EOS; the rate is per step either way.
  - llama.cpp (llama-cpp-python, separate process, flash attention off and on): Llama.eval of the
    prompt (n_batch 512), then per step: argmax of the last logits row, one llama_decode of that
    token (Q4_1 weights, Q8 activations, f16 K/V). Never stops at EOS.

Run (after `swift build -c release --product ropescope`; pinned versions as bench_inference.py):
    /tmp/llamacpp-venv/bin/python benchmarks/bench_decode.py [--lengths 2048,8192] [--tokens 64] [--repeats 2]
        [--weights quantized|float32]
The JSON output records the machine (`ropescope system --json`, incl. the quantized dot kernel) and
the 1-minute load average at the start and the end (the machine may be shared).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_inference import DEFAULT_BINARY, DEFAULT_MODEL, ROOT, write_text  # noqa: E402
from bench_system import describe, ropescope_system  # noqa: E402


def llama_worker(job: dict) -> dict:
    import llama_cpp
    tokens = job["tokens"]
    llm = llama_cpp.Llama(job["model"], n_ctx=len(tokens) + job["steps"] + 8, n_batch=512, n_threads=job["threads"],
                          n_threads_batch=job["threads"], logits_all=False, flash_attn=job["flash_attention"], verbose=False)
    vocabulary = llm.n_vocab()
    start = time.perf_counter()
    llm.eval(tokens)
    prefill = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(job["steps"] - 1):
        row = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(vocabulary,))
        llm.eval([int(np.argmax(row))])
    decode = time.perf_counter() - start
    llm.close()
    return {"prefill_tokens_per_second": len(tokens) / prefill, "decode_tokens_per_second": (job["steps"] - 1) / decode}


def run_llama(job: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(job, handle)
    try:
        out = subprocess.run([sys.executable, __file__, "--llama-worker", handle.name], check=True,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(handle.name)
    return json.loads(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--ropescope", type=Path, default=DEFAULT_BINARY)
    parser.add_argument("--lengths", default="2048,8192")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--weights", choices=["quantized", "float32"], default="quantized",
                        help="ropescope generate --weights (default quantized: integer dot decode)")
    parser.add_argument("--json-output", type=Path, default=ROOT / "out" / "bench-decode.json")
    parser.add_argument("--llama-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.llama_worker:
        print(json.dumps(llama_worker(json.loads(Path(args.llama_worker).read_text()))))
        return 0

    import llama_cpp
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
    system = ropescope_system(args.ropescope, env)
    full_system = json.loads(subprocess.run([str(args.ropescope), "system", "--json"], check=True,
                                            capture_output=True, text=True, env=env).stdout)
    print(describe(system) + f"; quantized dot kernel {full_system.get('quantized_kernel', {}).get('active')}")
    load_at_start = os.getloadavg()[0]
    text_path = ROOT / "out" / "bench-text.txt"
    write_text(text_path)
    vocab = llama_cpp.Llama(str(args.model), vocab_only=True, verbose=False)
    all_tokens = vocab.tokenize(text_path.read_text(encoding="utf-8").encode(), add_bos=False, special=False)
    results = []
    for length in [int(x) for x in args.lengths.split(",")]:
        # Cutting the text at a token boundary can merge differently when retokenised: both sides
        # run the retokenised prompt (ropescope's tokens equal llama.cpp's, checked below).
        prompt = ROOT / "out" / f"bench-decode-{length}.txt"
        prompt.write_bytes(vocab.detokenize(all_tokens[:length]))
        tokens = vocab.tokenize(prompt.read_bytes(), add_bos=False, special=False)
        best = {"ropescope": None, "llama.cpp FA off": None, "llama.cpp FA on": None}
        for _ in range(args.repeats):
            out = subprocess.run([str(args.ropescope), "generate", str(args.model), "--prompt-file", str(prompt),
                                  "--max-tokens", str(args.tokens), "--threads", str(args.threads), "--weights", args.weights,
                                  "--json"],
                                 check=True, capture_output=True, text=True, env=env).stdout
            report = json.loads(out)
            if report["prompt_tokens"] != len(tokens):
                raise RuntimeError(f"ropescope counts {report['prompt_tokens']} prompt tokens, llama.cpp {len(tokens)}")
            rates = {"prefill_tokens_per_second": report["tokens_per_second"]["prefill"],
                     "decode_tokens_per_second": report["tokens_per_second"]["decode"]}
            runs = [("ropescope", rates)]
            for flash in (False, True):
                runs.append((f"llama.cpp FA {'on' if flash else 'off'}", run_llama(
                    {"model": str(args.model), "tokens": tokens, "steps": args.tokens, "threads": args.threads,
                     "flash_attention": flash})))
            for name, rates in runs:
                if rates["decode_tokens_per_second"] is None:
                    continue
                if best[name] is None or rates["decode_tokens_per_second"] > best[name]["decode_tokens_per_second"]:
                    best[name] = rates
        fastest = max(v["decode_tokens_per_second"] for k, v in best.items() if k != "ropescope" and v)
        ratio = best["ropescope"]["decode_tokens_per_second"] / fastest
        print(f"P={len(tokens)}: " + "; ".join(f"{k} decode {v['decode_tokens_per_second']:.1f} tok/s, prefill "
                                          f"{v['prefill_tokens_per_second']:.0f} tok/s" for k, v in best.items() if v)
              + f"; decode ratio {ratio:.2f}x (target >= 1x)")
        results.append({"context_length": len(tokens), "tokens": args.tokens, "best": best, "decode_ratio": ratio})
    args.json_output.parent.mkdir(parents=True, exist_ok=True)
    args.json_output.write_text(json.dumps({"threads": args.threads, "weights": args.weights,
                                            "load_1min_at_start": load_at_start, "load_1min": os.getloadavg()[0],
                                            "ropescope_system": full_system, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
