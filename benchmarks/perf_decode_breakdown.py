#!/usr/bin/env python3
"""Where KV-cached decoding spends its time, from a `perf record -g` of `ropescope generate`.

Usage (release build, quantized weights):
    perf record -F 1999 -g -o decode.data .build/release/ropescope generate MODEL --prompt-file P \
        --max-tokens 64 --weights quantized --json
    python3 benchmarks/perf_decode_breakdown.py decode.data

Decode samples are those after the first Q4_1 integer-dot sample (the prefill runs sgemm only;
for a model whose block weights are not Q4_1, change the marker). Each sample is put in one
category by its leaf symbol (and call chain): block weights (integer dots + activation
quantisation), output head (the Q8_0 dots of a tied Q8_0 embedding, logsumexp, argmax),
attention over the float32 KV cache (sgemm, softmax), KV writes/page faults, thread wake-ups.
"""
import subprocess, sys, re, collections
data = sys.argv[1]
out = subprocess.run(["perf", "script", "-i", data, "-F", "time,ip,sym"], capture_output=True, text=True).stdout
samples = []  # (time, leaf, chain)
cur = None
for line in out.splitlines():
    if not line.strip():
        if cur: samples.append(cur); cur = None
        continue
    m = re.match(r"\s*(\d+\.\d+):\s*(.*)", line)
    if m:
        if cur: samples.append(cur)
        cur = [float(m.group(1)), None, []]
        rest = m.group(2).split(None, 1)
        if len(rest) == 2: cur[1] = rest[1].strip()
    elif cur is not None:
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            if cur[1] is None: cur[1] = parts[1]
            cur[2].append(parts[1])
if cur: samples.append(cur)
start = min((s[0] for s in samples if s[1] and "rq_dot_q4_1" in s[1]), default=None)
decode = [s for s in samples if start is not None and s[0] >= start]
def category(s):
    leaf = s[1] or ""
    chain = " ".join(s[2])
    if "rq_dot_q8_0" in leaf or "OnlineLogSumExp" in leaf or "argmax" in leaf: return "output head (Q8_0 integer dots, logsumexp, argmax)"
    if "rq_dot" in leaf or "ropescope_qdot" in leaf: return "weights (Q4_1 integer dots + activation quantisation)"
    if "OutputHead" in chain or "outputs" in chain and "project" in chain: return "output head (other)"
    if "sgemm" in leaf or "Attention" in leaf or "Attention" in chain or "exponentiate" in leaf or "ropescope_avx2_maximum" in leaf: return "attention over the KV cache (sgemm, softmax)"
    if "memmove" in leaf or "clear_page" in leaf or "KeyValueCache" in chain: return "KV cache writes / page faults"
    if "[k]" in leaf or "kernel" in leaf or leaf.startswith("_raw") or "finish_task" in leaf or "futex" in leaf or "dispatch" in leaf: return "threads: wake-ups, scheduling, dispatch"
    return "other (norms, RoPE, SwiGLU, Swift overhead)"
counts = collections.Counter(category(s) for s in decode)
total = sum(counts.values())
print(f"decode samples {total} (from t={start})")
for k, v in counts.most_common(): print(f"{100*v/total:5.1f}%  {k}")
leaves = collections.Counter((s[1] or "?")[:90] for s in decode)
print("top leaf symbols:")
for k, v in leaves.most_common(15): print(f"{100*v/total:5.1f}%  {k}")
