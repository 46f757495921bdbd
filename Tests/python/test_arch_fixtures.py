"""The architecture fixtures (Tests/Fixtures/archs) are reproducible from their committed generator
and use only tensor names gguf-py's tables list for their architecture (llama.cpp's names).

Needs gguf 0.19.0 and numpy 2.4.6 (scripts/fixtures/requirements-archs.txt); skipped otherwise.
"""
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "Fixtures" / "archs"
ARCHS = ["llama", "qwen2", "llada", "dream"]


def _require_pinned():
    try:
        if version("gguf") != "0.19.0" or version("numpy") != "2.4.6":
            pytest.skip("needs gguf 0.19.0 and numpy 2.4.6 (scripts/fixtures/requirements-archs.txt)")
    except PackageNotFoundError:
        pytest.skip("gguf not installed (scripts/fixtures/requirements-archs.txt)")


def test_generator_reproduces_the_committed_files(tmp_path):
    _require_pinned()
    subprocess.run([sys.executable, str(REPO / "scripts/fixtures/gguf_arch_reference.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for arch in ARCHS:
        for suffix in (".gguf", ".json"):
            name = f"tiny_{arch}{suffix}"
            assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


def test_tensor_names_are_llama_cpp_names():
    _require_pinned()
    import gguf
    from gguf.constants import MODEL_ARCH_NAMES, MODEL_TENSORS, TENSOR_NAMES

    by_name = {name: arch for arch, name in MODEL_ARCH_NAMES.items()}
    for arch in ARCHS:
        reader = gguf.GGUFReader(str(FIXTURES / f"tiny_{arch}.gguf"))
        allowed = {TENSOR_NAMES[t] for t in MODEL_TENSORS[by_name[arch]]}
        for tensor in reader.tensors:
            base = tensor.name.rsplit(".", 1)[0]
            parts = base.split(".")
            if parts[0] == "blk":
                base = "blk.{bid}." + ".".join(parts[2:])
            assert base in allowed, f"{arch}: {tensor.name}"
