"""experiments/miniature-ultrallada/run.sh at SCALE=smoke runs the whole reproduction in seconds
(corpus → pre-train both twins → the 2 twins × 6 specs × 3 packings post-training grid → all four
probes on every checkpoint), here as two concurrent lanes into one run directory that claim the
work item by item, a second run does no work (resume), and
notebooks-export/miniature_ultrallada.py summarises the run directory headless: the table and the
summary JSON hold one finite row per checkpoint and their numbers equal the probes' own reports."""
import json
import math
import os
import subprocess
import time

import numpy as np

from conftest import REPO, _binary
from notebook_checks import assert_png, run_notebook_script

SCRIPT = REPO / "experiments" / "miniature-ultrallada" / "run.sh"
NOTEBOOK = REPO / "notebooks-export" / "miniature_ultrallada.py"
TWINS = ["ar", "llada"]
SPECS = ["none", "linear", "ntk", "yarn", "critical-ntk", "diffusion-ntk"]
PACKINGS = ["direct", "eod", "mask"]
PROBES = ["perplexity", "passkey", "interference", "attention"]
NAMES = [f"{t}-pretrain" for t in TWINS] + [f"{t}-s1-{s}-{p}" for t in TWINS for s in SPECS for p in PACKINGS]


def run_lanes(out, lanes=2):
    """`lanes` invocations at once into `out`: they prepare the corpus once, under a lock, and
    claim the training runs and probes one by one."""
    start = time.monotonic()
    env = dict(os.environ, SCALE="smoke", OUT=str(out), ROPESCOPE_BIN=str(_binary()), THREADS="1")
    processes = [subprocess.Popen(["bash", str(SCRIPT)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  env=env) for _ in range(lanes)]
    logs = [process.communicate(timeout=900)[1] for process in processes]
    for index, (process, log) in enumerate(zip(processes, logs)):
        assert process.returncode == 0, f"lane {index} exited {process.returncode}\n{log[-4000:]}"
    return logs, time.monotonic() - start


def run(out):
    """One invocation: its standard error and wall seconds."""
    logs, seconds = run_lanes(out, lanes=1)
    return logs[0], seconds


def finite_numbers(value, where):
    if isinstance(value, dict):
        for key, item in value.items():
            finite_numbers(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            finite_numbers(item, f"{where}[{index}]")
    elif isinstance(value, float):
        assert math.isfinite(value), where


def test_smoke_pipeline_runs_resumes_and_summarises(tmp_path):
    out = tmp_path / "miniature"
    logs, first = run_lanes(out)
    log = "".join(logs)
    # Every item ran in exactly one lane, and both lanes did some of the work.
    assert all(lane.count("train: ") > 0 for lane in logs), [lane[-1000:] for lane in logs]
    settings = json.loads((out / "settings.json").read_text())
    assert settings["specs"] == SPECS and settings["packings"] == PACKINGS and settings["seeds"] == [1]
    assert settings["factor"] == 4 and settings["post_length"] == 4 * settings["pre_length"]
    # The spec strings: the causal rule for critical-ntk, UltraLLaDA's doubled range for diffusion-ntk.
    assert "range-multiplier=1" in settings["spec_strings"]["critical-ntk"]
    assert "range-multiplier=2" in settings["spec_strings"]["diffusion-ntk"]
    assert json.loads((out / "machine.json").read_text())
    assert log.count("train: ") == len(NAMES) == 2 + 2 * 6 * 3
    for name in NAMES:
        report = json.loads((out / "checkpoints" / f"{name}.report.json").read_text())
        assert math.isfinite(report["train_loss"]), name
        assert (out / "checkpoints" / f"{name}.gguf").stat().st_size > 0
        for probe in PROBES:
            assert (out / "probes" / name / f"{probe}.h5").exists(), (name, probe)
            finite_numbers(json.loads((out / "probes" / name / f"{probe}.json").read_text()), f"{name}/{probe}")
    # Probes score held-out documents only: every one of them is a validation document of the corpus.
    heldout = json.loads((out / "heldout" / "heldout.json").read_text())
    names = sorted(p.name for p in (out / "corpus").glob("*.txt"))
    validation = {n for i, n in enumerate(names) if (i + 1) % 10 == 0}
    assert heldout["interference_sources"] and set(heldout["interference_sources"]) <= validation
    times = (out / "times.tsv").read_text().splitlines()
    assert len(times) == len(NAMES) * (1 + len(PROBES))
    record = json.loads((out / "run.json").read_text())
    assert len(record["invocations"]) == 2 and all(r["twins"] == TWINS for r in record["invocations"])
    assert sum(r["trained"] for r in record["invocations"]) == len(NAMES)
    assert sum(r["probed"] for r in record["invocations"]) == len(NAMES) * len(PROBES)
    # The lanes overlap: the run's wall time is the union of their intervals, not their sum.
    starts, ends = [r["started"] for r in record["invocations"]], [r["finished"] for r in record["invocations"]]
    assert max(starts) <= min(ends), record  # the two lanes ran at the same time
    assert record["wall_seconds"] == max(ends) - min(starts), record
    # Post-trained checkpoints are probed under their own RoPE only (`--rope declared`); the
    # pre-trained twins' grids add the training-free candidates past their trained length.
    for name in NAMES:
        for probe in ["perplexity", "attention"]:
            specs = {c["spec"] for c in json.loads((out / "probes" / name / f"{probe}.json").read_text())["cells"]}
            assert (len(specs) > 1) == name.endswith("-pretrain"), (name, probe, specs)

    # Resume: nothing is trained or probed again.
    log, second = run(out)
    assert "train: " not in log and "probe: " not in log, log[-2000:]
    assert log.count("skip: train") == len(NAMES) and log.count("skip: probe") == len(NAMES) * len(PROBES)
    assert second < first / 3, (first, second)
    assert len((out / "times.tsv").read_text().splitlines()) == len(times)
    assert json.loads((out / "run.json").read_text())["invocations"][2]["trained"] == 0

    # An interrupted training run (a checkpoint without its report) is taken up again, and only it:
    # here its state is final, so --resume is refused and it retrains to the same weights.
    report = out / "checkpoints" / "ar-pretrain.report.json"
    before = json.loads(report.read_text())
    report.unlink()
    log, _ = run(out)
    assert "resume: train ar-pretrain" in log and log.count("train: ") == 1 and "probe: " not in log, log[-2000:]
    assert json.loads(report.read_text())["train_loss"] == before["train_loss"]

    # Other settings into the same run directory are refused before any work.
    env = dict(os.environ, SCALE="smoke", OUT=str(out), ROPESCOPE_BIN=str(_binary()), POST_STEPS="3")
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 64 and "post_steps" in result.stderr, result.stderr

    summary_dir = tmp_path / "summary"
    figures, stdout = run_notebook_script(NOTEBOOK, tmp_path, ROPESCOPE_MINIATURE=str(out),
                                          ROPESCOPE_SUMMARY=str(summary_dir))
    for name in ["miniature_nll_vs_length", "miniature_interference_by_packing"]:
        assert_png(figures / f"{name}.png")
    summary = json.loads((summary_dir / "summary.json").read_text())
    rows = summary["rows"]
    assert len(rows) == len(NAMES)
    assert {(r["twin"], r["spec"], r["packing"]) for r in rows if r["spec"] != "pretrain"} == \
        {(t, s, p) for t in TWINS for s in SPECS for p in PACKINGS}
    lengths = settings["ppl_lengths"]
    for row in rows:
        keys = [f"nll_{n}" for n in lengths] + [f"interference_{p}" for p in PACKINGS]
        for key in keys + ["passkey_log_prob", "passkey_rank", "attention_local_mass", "attention_mean_distance"]:
            assert math.isfinite(row[key]), (row["twin"], row["spec"], row["packing"], key)
    # The table's numbers are the probes' own: recompute two of them from the raw reports.
    row = next(r for r in rows if (r["twin"], r["spec"], r["packing"]) == ("llada", "diffusion-ntk", "mask"))
    name = "llada-s1-diffusion-ntk-mask"
    cells = json.loads((out / "probes" / name / "perplexity.json").read_text())["cells"]
    own = [c for c in cells if c["spec"] == cells[0]["spec"] and c["context_length"] == settings["post_length"]]
    assert len(own) == 1 and own[0]["estimator"] == "masked-diffusion"
    np.testing.assert_allclose(row[f"nll_{settings['post_length']}"], own[0]["mean_nll"], rtol=1e-12)
    cells = json.loads((out / "probes" / name / "interference.json").read_text())["cells"]
    eod = [c["mean_delta_nll"] for c in cells if c["packing"] == "eod" and c["positions"] == "continue"]
    np.testing.assert_allclose(row["interference_eod"], np.mean(eod), rtol=1e-12)
    # One seed: every comparison has n = 1 and no spread (no claim of an effect).
    comparison = summary["hypotheses"]["llada_nll_%d_diffusion-ntk_minus_ntk" % settings["post_length"]]
    assert comparison["n"] == 1 and comparison["sd"] is None and math.isfinite(comparison["mean"])
    table = (summary_dir / "results.md").read_text().splitlines()
    assert sum(1 for line in table if line.startswith("| ar ") or line.startswith("| llada ")) == len(NAMES)


def test_bad_scale_or_twin_is_a_usage_error(tmp_path):
    for variable, value in [("SCALE", "huge"), ("TWINS", "ar dream")]:
        env = dict(os.environ, OUT=str(tmp_path / "m"), ROPESCOPE_BIN=str(_binary()), **{variable: value})
        result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 64 and f"{variable}={value}" in result.stderr, result.stderr
        assert not (tmp_path / "m").exists()


def test_heldout_pieces_keep_every_word_within_the_byte_limit():
    import importlib.util
    path = REPO / "experiments" / "miniature-ultrallada" / "heldout.py"
    spec = importlib.util.spec_from_file_location("heldout", path)
    heldout = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(heldout)
    text = (REPO / "Tests" / "Fixtures" / "text" / "gnu-licenses.txt").read_text(encoding="utf-8")[:20000]
    for limit in (60, 400):
        pieces = heldout.pieces(text, limit)
        assert len(pieces) > 1 and all(0 < len(p.encode("utf-8")) <= limit for p in pieces), limit
        # Nothing is lost or reordered: the words of the pieces are the words of the text.
        assert " ".join(pieces).split() == text.split(), limit
    assert heldout.pieces("A short fortune.", 60) == ["A short fortune."]
