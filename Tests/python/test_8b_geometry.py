"""The 8B-geometry files of scripts/make-8b-geometry.sh (random weights, llama.cpp's Q4_K_M): they
load with `--weights quantized` and score a short window with peak RSS < 8 GiB, `inspect` reports
the quantized weight bytes as the file's tensor bytes, and a window far beyond memory is refused
with the estimate (exit 64, as every probe refuses it) before the window is allocated.

Skipped when the files are absent (the CI case: they are ~4.6 GiB each and take ~15 min to make).
ROPESCOPE_8B_DIR names their directory (default out/8b/). Each scoring run reads the whole file
once (~1-3 min on 2 cores); the peak RSS is the child's own ru_maxrss from os.wait4.
"""
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import REPO, _binary

DIRECTORY = Path(os.environ.get("ROPESCOPE_8B_DIR", REPO / "out" / "8b"))
FILES = {"llama": DIRECTORY / "llama-8b-geometry.Q4_K_M.gguf", "llada": DIRECTORY / "llada-8b-geometry.Q4_K_M.gguf"}
TEXT = REPO / "Tests" / "Fixtures" / "text" / "gnu-licenses.txt"
GIB = 2 ** 30


def need(arch):
    if not FILES[arch].exists():
        pytest.skip(f"{FILES[arch]} is absent: run scripts/make-8b-geometry.sh (or set ROPESCOPE_8B_DIR)")
    return FILES[arch]


def run_measured(args):
    """(returncode, stdout, stderr, peak RSS bytes) of ropescope ARGS as a direct child."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([str(_binary()), *map(str, args)], stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        out.seek(0), err.seek(0)
        return os.waitstatus_to_exitcode(status), out.read().decode(), err.read().decode(), usage.ru_maxrss * 1024


def check_tensor_bytes(path, value):
    """`value` is Σ over the tensor table of the encoded sizes: exactly gguf-py's count where gguf
    is installed (an independent parser), else within the file's data section (file size minus
    at most 1% of header, vocabulary and 32-byte alignment padding)."""
    try:
        import gguf
    except ImportError:
        size = path.stat().st_size
        assert 0.99 * size < value <= size, (value, size)
        return
    assert value == sum(int(t.n_bytes) for t in gguf.GGUFReader(str(path)).tensors)


def test_8b_llama_scores_a_short_window_under_8_gib():
    model = need("llama")
    code, stdout, stderr, rss = run_measured(["score", model, "--weights", "quantized", "--text-file", TEXT,
                                              "--context-length", 256, "--windows", 1, "--threads", 2, "--json"])
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["tokens_scored"] == 255
    # Random weights with std 0.02: logits of std ~1.3 around 0, so the NLL is near ln V = 11.76 nats.
    assert abs(report["mean_nll"] - 11.76) < 1.5, report
    assert rss < 8 * GIB, f"peak RSS {rss / GIB:.2f} GiB"


def test_8b_llada_masked_diffusion_window_under_8_gib():
    model = need("llada")
    code, stdout, stderr, rss = run_measured(["probe", "perplexity", model, "--weights", "quantized", "--text-file", TEXT,
                                              "--context-length", 256, "--windows", 1, "--estimator", "masked-diffusion",
                                              "--samples", 1, "--threads", 2, "--json"])
    assert code == 0, stderr
    cell = json.loads(stdout)["cells"][0]
    assert cell["status"] == "done", cell
    assert cell["mean_nll"] is not None and cell["mean_nll"] > 0, cell
    assert rss < 8 * GIB, f"peak RSS {rss / GIB:.2f} GiB"


@pytest.mark.parametrize("arch", ["llama", "llada"])
def test_8b_inspect_estimates_the_encoded_size(arch):
    model = need(arch)
    report = json.loads(subprocess.run([str(_binary()), "inspect", str(model), "--context-length", "4096", "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    memory = report["core"]["memory"]
    check_tensor_bytes(model, memory["quantized_weight_bytes"])
    assert memory["quantized_scoring_bytes"] < 8 * GIB
    assert memory["weight_bytes"] > 28 * GIB   # float32 would not fit: ~8 G weights × 4 bytes


def test_8b_window_beyond_memory_is_refused():
    model = need("llama")
    code, _, stderr, rss = run_measured(["score", model, "--weights", "quantized", "--text-file", TEXT,
                                         "--context-length", "1048576", "--threads", 2])
    assert code == 64, stderr
    assert "a window of 1048576 tokens needs about" in stderr and "memory" in stderr, stderr
    assert rss < 8 * GIB
