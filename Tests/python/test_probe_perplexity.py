"""`probe perplexity` and `merge` on a tiny random-weight GGUF (tiny_gguf.py): each cell equals a
separate `score` run, the grid file opens in xarray (h5netcdf, no phony dims) and h5py with
named coordinates and provenance, --json has exactly the documented keys, skipped cells carry a
reason, shards merge to the values of one run, and a run killed with SIGKILL resumes to the
values of an uninterrupted run (a resume against another grid is refused)."""
import hashlib
import json
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import _binary
from netcdf_checks import open_clean
from tiny_gguf import write_tiny_llama

LONG = "the grid probe scores every window of this text again and again. " * 8   # 520 byte tokens
SHORT = "too short for long windows"                                              # 26 tokens
CELL_KEYS = {"text", "spec", "context_length", "estimator", "status", "tokens_scored", "mean_nll", "perplexity",
             "standard_error", "tokens_per_second"}
# Variables that hold timing (differ between identical runs); everything else must be identical.
TIMING = {"tokens_per_second", "seconds"}


def assert_same_values(a, b):
    """Every non-timing variable of two grid files is identical (NaN where NaN)."""
    da, db = open_clean(a), open_clean(b)
    assert set(da.variables) == set(db.variables)
    for name in da.variables:
        if name in TIMING:
            continue
        x, y = da[name].values, db[name].values
        if x.dtype.kind == "f":
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            assert (x == y).all(), name
    assert da.attrs["grid_hash"] == db.attrs["grid_hash"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("grid")
    write_tiny_llama(directory / "tiny.gguf", context_length=64)
    (directory / "long.txt").write_text(LONG)
    (directory / "short.txt").write_text(SHORT)
    return directory


def grid_args(workdir, *extra):
    return ["probe", "perplexity", workdir / "tiny.gguf", "--text-file", workdir / "long.txt",
            "--text-file", workdir / "short.txt", "--rope", "none", "--rope", "yarn:factor=2",
            "--context-length", "16,32,128", *extra]


@pytest.fixture(scope="module")
def single_run(ropescope, workdir):
    output = workdir / "single.h5"
    report = ropescope(*grid_args(workdir, "--json", "--output", output), parse_json=True)
    return output, report


def test_json_keys_and_skipped_cells(single_run):
    _, report = single_run
    assert set(report) == {"cells"} and len(report["cells"]) == 2 * 2 * 3
    for cell in report["cells"]:
        if cell["status"] == "done":
            assert set(cell) == CELL_KEYS, cell
            for key in ("mean_nll", "perplexity", "standard_error", "tokens_per_second"):
                assert isinstance(cell[key], float) and np.isfinite(cell[key])
            assert cell["perplexity"] == pytest.approx(np.exp(cell["mean_nll"]), rel=1e-12)
        else:
            assert cell["status"] == "skipped" and set(cell) == CELL_KEYS | {"reason"}, cell
            assert cell["mean_nll"] is None
    skipped = [c for c in report["cells"] if c["status"] == "skipped"]
    # The short text (26 tokens) has no window of 32 or 128 tokens.
    assert {(c["text"].endswith("short.txt"), c["context_length"]) for c in skipped} == {(True, 32), (True, 128)}
    assert all("fewer than one window" in c["reason"] for c in skipped)


def test_each_cell_equals_a_score_run(ropescope, workdir, single_run):
    _, report = single_run
    for cell in report["cells"]:
        if cell["status"] != "done":
            continue
        score = ropescope("score", workdir / "tiny.gguf", "--text-file", cell["text"], "--rope", cell["spec"],
                          "--context-length", cell["context_length"], "--json", parse_json=True)
        assert score["spec"] == cell["spec"]
        assert score["tokens_scored"] == cell["tokens_scored"]
        # Same windows, same forward passes, same summation order: identical to the last bit.
        assert score["mean_nll"] == cell["mean_nll"], cell
        assert score["mean_nll_standard_error"] == cell["standard_error"], cell


def test_grid_file_is_labelled_netcdf_with_provenance(workdir, single_run):
    output, report = single_run
    ds = open_clean(output)
    assert list(ds["context_length"].values) == [16, 32, 128]
    assert [str(s) for s in ds["spec"].values] == ["none", "yarn:factor=2,original-context=64,beta-fast=32,beta-slow=1,truncate=true"]
    assert ds["mean_nll"].dims == ("text", "spec", "context_length")
    assert ds["nll_by_position"].dims == ("text", "spec", "context_length", "position_bin")
    assert list(ds["position_bin"].values) == [1, 2, 4, 8, 16, 32, 64]
    for name, variable in ds.variables.items():
        assert "units" in variable.attrs and "long_name" in variable.attrs, name
    assert ds.attrs["model_sha256"] == hashlib.sha256((workdir / "tiny.gguf").read_bytes()).hexdigest()
    assert ds.attrs["gguf:llama.context_length"] == "64"
    assert list(ds["text_sha256"].values) == [hashlib.sha256(t.encode()).hexdigest() for t in (LONG, SHORT)]
    assert "probe perplexity" in ds.attrs["command_line"] and ds.attrs["tool_version"]
    assert ds.attrs["estimator"] == "chain-rule" and "next-token" in ds.attrs["estimator_statement"]
    # Per-token values (contiguous ragged array) rebuild each cell's mean and binned curve.
    counts = ds["token_count"].values
    offsets = np.concatenate([[0], np.cumsum(counts)])
    status = ds["status"].values.reshape(-1)
    means = ds["mean_nll"].values.reshape(-1)
    for flat, cell_status in enumerate(status):
        tokens = ds["token_nll"].values[offsets[flat]:offsets[flat + 1]]
        if cell_status == 1:
            np.testing.assert_allclose(tokens.mean(), means[flat], rtol=1e-12)
        else:
            assert len(tokens) == 0 and np.isnan(means[flat])
    with h5py.File(output) as f:
        for name, dataset in f.items():
            if not dataset.is_scale:
                for axis, scales in enumerate(dataset.dims):
                    assert len(scales) == 1, f"{name} axis {axis} has no dimension scale"


def test_shards_merge_to_the_single_run(ropescope, workdir, single_run):
    single, _ = single_run
    shards = []
    for index in range(3):
        shard = workdir / f"shard-{index}.h5"
        ropescope(*grid_args(workdir, "--shard", f"{index}/3", "--output", shard))
        shards.append(shard)
    merged = workdir / "merged.h5"
    ropescope("merge", *shards, "--output", merged)
    assert_same_values(single, merged)
    # A missing shard, a duplicated shard and a shard of another grid are refused.
    result = ropescope("merge", *shards[:2], "--output", workdir / "bad.h5", check=False)
    assert result.returncode == 65 and "in no shard file" in result.stderr, result.stderr
    result = ropescope("merge", *shards, shards[0], "--output", workdir / "bad.h5", check=False)
    assert result.returncode == 65 and "is in both" in result.stderr, result.stderr
    other = workdir / "other.h5"
    ropescope("probe", "perplexity", workdir / "tiny.gguf", "--text-file", workdir / "long.txt", "--context-length", "16",
              "--output", other)
    result = ropescope("merge", *shards, other, "--output", workdir / "bad.h5", check=False)
    assert result.returncode == 65 and "different grid" in result.stderr, result.stderr
    assert not (workdir / "bad.h5").exists()
    result = ropescope(*grid_args(workdir, "--shard", "3/3", "--output", workdir / "bad.h5"), check=False)
    assert result.returncode == 64 and "0 <= i < n" in result.stderr


@pytest.fixture(scope="module")
def resume_grid(ropescope, workdir):
    text = workdir / "resume.txt"
    text.write_text("a longer text so that each cell takes a moment to score. " * 160)  # 9120 tokens
    args = ["probe", "perplexity", workdir / "tiny.gguf", "--text-file", text, "--rope", "none",
            "--rope", "ntk:factor=2", "--rope", "linear:factor=2", "--context-length", "256,512"]
    reference = workdir / "uninterrupted.h5"
    ropescope(*args, "--output", reference)
    return args, reference


@pytest.mark.parametrize("kill", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_run_resumes_to_the_uninterrupted_values(ropescope, workdir, resume_grid, kill):
    args, reference = resume_grid
    output = workdir / f"resumed-{kill.name}.h5"
    journal = workdir / f"resumed-{kill.name}.h5.journal"
    # SIGINT back to its default in the child: a test run started in the background by a shell
    # without job control inherits SIGINT ignored, and ropescope (like nohup'd programs should)
    # keeps an ignored SIGINT ignored, so the run would finish instead of stopping.
    process = subprocess.Popen([str(_binary()), *map(str, args), "--output", str(output)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if journal.exists() and any(p.name.startswith("cell-") for p in journal.iterdir()):
            break
        time.sleep(0.005)
    assert process.poll() is None, "the grid finished before it could be killed: make the cells slower"
    process.send_signal(kill)
    process.wait()
    finished = [p for p in journal.iterdir() if p.name.startswith("cell-")]
    assert 1 <= len(finished) < 6 and not output.exists()

    # Without --resume an unfinished run is not overwritten.
    result = ropescope(*args, "--output", output, check=False)
    assert result.returncode == 64 and "--resume" in result.stderr
    # A resume with a different grid is refused and changes nothing.
    before = sorted(p.name for p in journal.iterdir())
    result = ropescope(*args[:-1], "256", "--output", output, "--resume", check=False)
    assert result.returncode == 64 and "different grid" in result.stderr, result.stderr
    assert sorted(p.name for p in journal.iterdir()) == before and not output.exists()

    ropescope(*args, "--output", output, "--resume")
    assert not journal.exists()
    assert_same_values(reference, output)


def test_config_is_strict_and_exclusive_with_flags(ropescope, workdir):
    config = workdir / "grid.json"
    config.write_text(json.dumps({"text_files": ["long.txt"], "context_lengths": ["16", 32], "rope": ["none"],
                                  "scored_span": "last:4"}))
    report = ropescope("probe", "perplexity", workdir / "tiny.gguf", "--config", config, "--json", parse_json=True)
    assert [c["tokens_scored"] for c in report["cells"]] == [4 * (len(LONG) // 16), 4 * (len(LONG) // 32)]
    config.write_text(json.dumps({"text_files": ["long.txt"], "context_lengths": [16], "contxt": 1}))
    result = ropescope("probe", "perplexity", workdir / "tiny.gguf", "--config", config, check=False)
    assert result.returncode == 65 and "'contxt'" in result.stderr, result.stderr
    config.write_text(json.dumps({"text_files": ["long.txt"], "context_lengths": [16]}))
    result = ropescope("probe", "perplexity", workdir / "tiny.gguf", "--config", config, "--context-length", "32", check=False)
    assert result.returncode == 64 and "give it once" in result.stderr, result.stderr


def test_bad_input(ropescope, workdir):
    base = ["probe", "perplexity", workdir / "tiny.gguf", "--text-file", workdir / "long.txt"]
    for extra, code, fragment in [
        (["--context-length", "1"], 64, "--context-length"),
        (["--context-length", "16", "--estimator", "masked-diffusion"], 64, "needs bidirectional attention"),
        (["--context-length", "16", "--attention", "bidirectional"], 64, "causal"),
        (["--context-length", "2", "--scored-span", "second-half"], 64, "0 tokens"),
        (["--context-length", "16", "--rope", "yarn:fator=2"], 64, "fator"),
        (["--context-length", "16", "--position-bins", "0,4"], 64, "--position-bins"),
        (["--context-length", "16", "--rope", "linear:factor=2", "--rope", "linear:factor=2.0"], 64, "same spec"),
        (["--context-length", "16,16"], 64, "given twice"),
    ]:
        output = workdir / "refused.h5"
        result = ropescope(*base, *extra, "--output", output, check=False)
        assert result.returncode == code, (extra, result.stderr)
        assert fragment in result.stderr, (extra, result.stderr)
        assert not output.exists() and not (workdir / "refused.h5.journal").exists(), extra
