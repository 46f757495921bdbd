"""A tiny random-weight llama GGUF written from Python (no gguf package needed), for CLI tests.

Layout (GGUF v3, llama.cpp `gguf.cpp`): magic, version, tensor count, metadata count, metadata
key/value pairs, tensor infos (name, dims ne0 first, type F32 = 0, offset), padding to the
alignment (32), then the tensor data. The vocabulary is GPT-2's 256 byte-level tokens with no
merges, so every UTF-8 byte is one token (the same shape as Tests/Support/TinyModel.swift).
"""
import struct

import numpy as np

_STRING, _UINT32, _FLOAT32, _BOOL, _ARRAY = 8, 4, 6, 7, 9


def _bytes_to_unicode():
    """GPT-2's byte → printable character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    table = dict(zip(bs, map(chr, cs)))
    return [table[b] for b in range(256)]


def _string(text):
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _value(kind, value):
    if kind == _STRING:
        return _string(value)
    if kind == _UINT32:
        return struct.pack("<I", value)
    if kind == _FLOAT32:
        return struct.pack("<f", value)
    if kind == _BOOL:
        return struct.pack("<B", 1 if value else 0)
    element, items = value
    return struct.pack("<IQ", element, len(items)) + b"".join(_value(element, item) for item in items)


def write_tiny_llama(path, *, context_length=64, seed=7, nan_tensor=None, scale_tensor=None, extra=None, layers=1):
    """Writes the model; `nan_tensor` puts a NaN in that tensor; `scale_tensor` = (name, factor)
    multiplies one tensor (finite weights whose activations overflow); `extra` adds metadata
    {key: (kind, value)} with kinds from this module (_STRING, _UINT32, _FLOAT32)."""
    embedding, heads, kv_heads, head_dim, ff, vocab = 16, 2, 1, 8, 32, 256
    metadata = [
        ("general.architecture", _STRING, "llama"),
        ("llama.embedding_length", _UINT32, embedding),
        ("llama.block_count", _UINT32, layers),
        ("llama.feed_forward_length", _UINT32, ff),
        ("llama.attention.head_count", _UINT32, heads),
        ("llama.attention.head_count_kv", _UINT32, kv_heads),
        ("llama.context_length", _UINT32, context_length),
        ("llama.rope.dimension_count", _UINT32, head_dim),
        ("llama.rope.freq_base", _FLOAT32, 10000.0),
        ("llama.attention.layer_norm_rms_epsilon", _FLOAT32, 1e-5),
        ("tokenizer.ggml.model", _STRING, "gpt2"),
        ("tokenizer.ggml.pre", _STRING, "gpt-2"),
        ("tokenizer.ggml.tokens", _ARRAY, (_STRING, _bytes_to_unicode())),
        ("tokenizer.ggml.merges", _ARRAY, (_STRING, [])),
        ("tokenizer.ggml.bos_token_id", _UINT32, 1),
        ("tokenizer.ggml.add_bos_token", _BOOL, False),
    ]
    for key, (kind, value) in (extra or {}).items():
        metadata.append((key, kind, value))
    rng = np.random.default_rng(seed)
    q, kv = heads * head_dim, kv_heads * head_dim
    shapes = [("token_embd.weight", (vocab, embedding))]
    for layer in range(layers):
        shapes += [
            (f"blk.{layer}.attn_norm.weight", (embedding,)),
            (f"blk.{layer}.attn_q.weight", (q, embedding)),
            (f"blk.{layer}.attn_k.weight", (kv, embedding)),
            (f"blk.{layer}.attn_v.weight", (kv, embedding)),
            (f"blk.{layer}.attn_output.weight", (embedding, q)),
            (f"blk.{layer}.ffn_norm.weight", (embedding,)),
            (f"blk.{layer}.ffn_gate.weight", (ff, embedding)),
            (f"blk.{layer}.ffn_up.weight", (ff, embedding)),
            (f"blk.{layer}.ffn_down.weight", (embedding, ff)),
        ]
    shapes.append(("output_norm.weight", (embedding,)))
    tensors = []
    for name, shape in shapes:
        values = rng.uniform(-0.3, 0.3, size=shape).astype(np.float32)
        if name.endswith("norm.weight"):
            values = (1 + values / 3).astype(np.float32)
        if scale_tensor and name == scale_tensor[0]:
            values = (values * np.float32(scale_tensor[1])).astype(np.float32)
        if name == nan_tensor:
            values.flat[3] = np.nan
        tensors.append((name, values))
    header = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    header += b"".join(_string(key) + struct.pack("<I", kind) + _value(kind, value) for key, kind, value in metadata)
    offset, infos, blobs = 0, b"", []
    for name, values in tensors:
        dims = list(reversed(values.shape))
        infos += _string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", 0, offset)
        blob = values.tobytes()
        blob += b"\0" * (-len(blob) % 32)
        blobs.append(blob)
        offset += len(blob)
    body = header + infos
    body += b"\0" * (-len(body) % 32)
    with open(path, "wb") as handle:
        handle.write(body + b"".join(blobs))
    return path
