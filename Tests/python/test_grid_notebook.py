"""notebooks-export/perplexity_grid.py runs headless on small grids (a causal chain-rule grid and a
bidirectional masked-diffusion grid of tiny random models) and writes each figure as a real PNG;
with one file the causal-vs-bidirectional figure is skipped with a note. The experiments config of
the SmolLM2 context-extension grid uses only documented keys and specs the CLI accepts."""
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO
from tiny_gguf import _BOOL, _UINT32, write_tiny_llama

NOTEBOOK = REPO / "notebooks-export" / "perplexity_grid.py"
CONFIG = REPO / "experiments" / "smollm2-context-extension.json"
FIGURES = ["grid_perplexity_vs_length", "grid_nll_by_position", "grid_causal_vs_bidirectional"]


def run_notebook(tmp_path, grids):
    figures = tmp_path / "figures"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    env.update(ROPESCOPE_GRIDS=",".join(str(g) for g in grids), ROPESCOPE_FIGURES=str(figures),
               MPLCONFIGDIR=str(tmp_path / "mpl"))
    result = subprocess.run([sys.executable, str(NOTEBOOK)], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"notebook exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return figures, result.stdout


def assert_png(path):
    assert path.exists(), f"missing {path.name}"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert len(data) > 5000, f"{path.name} is only {len(data)} bytes: blank?"


def small_grids(ropescope, tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("grids draw figures from cells. " * 12)
    causal_model = write_tiny_llama(tmp_path / "causal.gguf")
    masked_model = write_tiny_llama(tmp_path / "masked.gguf", extra={
        "llama.attention.causal": (_BOOL, False), "tokenizer.ggml.mask_token_id": (_UINT32, 5)})
    causal, masked = tmp_path / "causal.h5", tmp_path / "masked.h5"
    # 128 > T_train = 64 adds the standard candidates, which are skipped at 16 and 32.
    ropescope("probe", "perplexity", causal_model, "--text-file", text, "--context-length", "16,32,128", "--output", causal)
    ropescope("probe", "perplexity", masked_model, "--text-file", text, "--context-length", "16,32,128",
              "--rope", "none", "--rope", "linear:factor=2", "--samples", "4", "--output", masked)
    return causal, masked


def test_every_figure_from_causal_and_bidirectional_grids(ropescope, tmp_path):
    causal, masked = small_grids(ropescope, tmp_path)
    figures, _ = run_notebook(tmp_path, [causal, masked])
    for name in FIGURES:
        assert_png(figures / f"{name}.png")


def test_one_grid_skips_the_comparison_with_a_note(ropescope, tmp_path):
    causal, _ = small_grids(ropescope, tmp_path)
    figures, stdout = run_notebook(tmp_path, [causal])
    assert_png(figures / "grid_perplexity_vs_length.png")
    assert_png(figures / "grid_nll_by_position.png")
    assert not (figures / "grid_causal_vs_bidirectional.png").exists()
    assert "skipped grid_causal_vs_bidirectional" in stdout


def test_experiment_config_uses_documented_keys_and_valid_specs(ropescope):
    config = json.loads(CONFIG.read_text())
    documented = {"text_files", "rope", "context_lengths", "estimator", "scored_span", "windows", "attention",
                  "position_bins"}
    assert set(config) <= documented, set(config) - documented
    for path in config["text_files"]:
        assert (CONFIG.parent / path).is_file(), f"{path} (relative to the config file)"
    assert max(config["context_lengths"]) > 8192, "the grid must reach past SmolLM2's trained 8192"
    for spec in config["rope"]:
        ropescope("rope", "--preset", "smollm2-135m", "--target-length", str(max(config["context_lengths"])),
                  "--rope", spec, "--json", parse_json=True)
