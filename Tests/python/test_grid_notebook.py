"""notebooks-export/perplexity_grid.py runs headless on small grids (a causal chain-rule grid and a
bidirectional masked-diffusion grid of tiny random models) and writes each figure as a real PNG;
with one file the causal-vs-bidirectional figure is skipped with a note. The experiments config of
the SmolLM2 context-extension grid uses only documented keys and specs the CLI accepts."""
import json

from conftest import REPO
from notebook_checks import assert_png, run_notebook_script
from tiny_gguf import _BOOL, _UINT32, write_tiny_llama

NOTEBOOK = REPO / "notebooks-export" / "perplexity_grid.py"
CONFIG = REPO / "experiments" / "smollm2-context-extension.json"
FIGURES = ["grid_perplexity_vs_length", "grid_nll_by_position", "grid_causal_vs_bidirectional"]


def run_notebook(tmp_path, grids):
    return run_notebook_script(NOTEBOOK, tmp_path, ROPESCOPE_GRIDS=",".join(str(g) for g in grids))


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
