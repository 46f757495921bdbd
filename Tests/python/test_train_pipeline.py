"""Seconds-long version of the whole twin pipeline, and the remaining probes on the committed twins.

Pipeline: corpus (scripts/fixtures/twin_corpus.py) → `train --objective masked-diffusion` (few
steps, a checkpoint) → `probe perplexity` (masked-diffusion bound) → `train --init` at 2× context
with a `--rope` spec and `--packing mask` → probe again; the same for the AR twin with the chain
rule. Checks exit codes, files and finite numbers (the numbers' quality is TwinFixtureTests' job).
"""
import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TWINS = REPO / "Tests" / "Fixtures" / "twins"
TINY = REPO / "Tests" / "Fixtures" / "training" / "tiny.json"


def corpus(tmp_path):
    data, heldout = tmp_path / "corpus", tmp_path / "heldout.txt"
    subprocess.run([sys.executable, REPO / "scripts" / "fixtures" / "twin_corpus.py", data, heldout], check=True,
                   capture_output=True)
    return data, heldout


def probe(ropescope, model, text, length, estimator, output):
    args = ["probe", "perplexity", model, "--text-file", text, "--context-length", length, "--windows", 1,
            "--estimator", estimator, "--output", output, "--json"]
    if estimator == "masked-diffusion":
        args += ["--samples", 2]
    report = ropescope(*args, parse_json=True)
    assert output.exists()
    cells = [c for c in report["cells"] if c["status"] != "skipped"]
    assert cells, report
    for cell in cells:
        assert cell["estimator"] == estimator and math.isfinite(cell["mean_nll"]) and cell["mean_nll"] > 0, cell
    return cells


def test_pipeline_train_probe_extend_probe(ropescope, tmp_path):
    data, heldout = corpus(tmp_path)
    for objective, estimator in [("masked-diffusion", "masked-diffusion"), ("ar", "chain-rule")]:
        twin = tmp_path / f"{objective}.gguf"
        report = ropescope("train", "--objective", objective, "--config", TINY, "--data", data, "--context-length", 32,
                           "--steps", 3, "--checkpoint-every", 2, "--output", twin, "--json", parse_json=True)
        assert report["steps"] == 3 and report["output"] == str(twin)
        assert math.isfinite(report["train_loss"]) and math.isfinite(report["validation_loss"])
        assert twin.exists() and Path(f"{twin}.state").exists()
        probe(ropescope, twin, heldout, 32, estimator, tmp_path / f"{objective}-32.h5")

        extended = tmp_path / f"{objective}-x2.gguf"
        report = ropescope("train", "--objective", objective, "--init", twin, "--config", TINY, "--data", data,
                           "--context-length", 64, "--rope", "yarn:factor=2", "--packing", "mask", "--steps", 2,
                           "--output", extended, "--json", parse_json=True)
        assert report["steps"] == 2 and math.isfinite(report["train_loss"])
        assert extended.exists()
        probe(ropescope, extended, heldout, 64, estimator, tmp_path / f"{objective}-64.h5")

        # --init refuses the other objective's checkpoint (65, README exit codes).
        other = "ar" if objective == "masked-diffusion" else "masked-diffusion"
        result = ropescope("train", "--objective", other, "--init", twin, "--config", TINY, "--data", data,
                           "--context-length", 64, "--steps", 1, "--output", tmp_path / "refused.gguf", check=False)
        assert result.returncode == 65, result.stderr
        assert not (tmp_path / "refused.gguf").exists()


def test_passkey_and_attention_on_the_trained_llada_twin(ropescope, tmp_path):
    model = TWINS / "llada-twin.gguf"
    # Byte tokens: the prompt needs ≥ 302 tokens, so 384 (3× the trained 128).
    report = ropescope("probe", "passkey", model, "--context-length", 384, "--depth", "0,1", "--trials", 1,
                       "--distractors", 2, "--output", tmp_path / "passkey.h5", "--json", parse_json=True)
    assert len(report["cells"]) == 2
    for cell in report["cells"]:
        assert math.isfinite(cell["mean_log_prob"]) and cell["mean_log_prob"] < 0, cell
    report = ropescope("probe", "attention", model, "--text-file", TWINS / "heldout.txt", "--context-length", 128,
                       "--attention", "bidirectional", "--windows", 1, "--output", tmp_path / "attention.h5", "--json",
                       parse_json=True)
    assert (tmp_path / "attention.h5").exists()
    # One cell per layer × head of the twin (2 × 4, Tests/Fixtures/twins/twin.json); each row's
    # softmax sums to 1, so the query-averaged mass over distance bins (left + right) does too.
    assert len({(c["layer"], c["head"]) for c in report["cells"]}) == len(report["cells"]) == 2 * 4
    for cell in report["cells"]:
        assert abs(sum(cell["mass"]) - 1) < 1e-5, cell
