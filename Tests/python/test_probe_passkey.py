"""`probe passkey` on a tiny random-weight GGUF (tiny_gguf.py; byte-level vocabulary, one token per
byte): the archive opens in xarray (h5netcdf, no phony dims) with named coordinates, its per-cell
summaries are the means of its per-trial values, --json equals the archive, and the needle
position is where the needle's bytes are in the prompt the documented rules build."""
import numpy as np

from netcdf_checks import open_clean
from tiny_gguf import write_tiny_llama

TASK = ("There is an important info hidden inside a lot of irrelevant text. Find it and memorize it. "
        "I will quiz you about the important information there.")
QUESTION = " What is the pass key? The pass key is"
CELL_KEYS = {"spec", "context_length", "depth", "trials", "exact_match", "mean_log_prob", "mean_rank"}


def test_passkey_archive_and_json(ropescope, tmp_path):
    model = tmp_path / "tiny.gguf"
    write_tiny_llama(model, context_length=64)
    output = tmp_path / "passkey.h5"
    report = ropescope("probe", "passkey", model, "--context-length", "320,480", "--depth", "0,0.3,1", "--trials", "3",
                       "--distractors", "4", "--rope", "none", "--rope", "yarn:factor=4", "--seed", "11",
                       "--output", output, "--json", parse_json=True)
    ds = open_clean(output)
    assert list(ds["exact_match"].dims) == ["spec", "context_length", "depth", "trial"]
    assert list(ds["distractor_log_prob"].dims) == ["spec", "context_length", "depth", "trial", "distractor"]
    assert ds["context_length"].values.tolist() == [320, 480]
    assert ds["depth"].values.tolist() == [0, 0.3, 1]
    assert ds["answer_log_prob"].attrs["units"] == "nats"
    # Cell summaries are the trial means; rank is 1 + the distractors above the answer.
    np.testing.assert_allclose(ds["mean_log_prob"].values, ds["answer_log_prob"].values.mean(axis=-1), rtol=1e-12)
    np.testing.assert_allclose(ds["exact_match_fraction"].values, ds["exact_match"].values.mean(axis=-1), rtol=1e-12)
    above = (ds["distractor_log_prob"].values > ds["answer_log_prob"].values[..., None]).sum(axis=-1)
    np.testing.assert_array_equal(ds["rank"].values, 1 + above)
    np.testing.assert_allclose(ds["mean_rank"].values, ds["rank"].values.mean(axis=-1), rtol=1e-12)
    cells = report["cells"]
    assert len(cells) == 2 * 2 * 3 and all(set(c) == CELL_KEYS for c in cells)
    np.testing.assert_allclose([c["mean_log_prob"] for c in cells], ds["mean_log_prob"].values.ravel(), rtol=1e-12)
    # The needle follows the task line and the first b haystack bytes: b = the filler sentence end
    # nearest depth·H (H = L − task − needle − question bytes); depth 0 → b = 0, depth 1 → b = H.
    keys = ds["key"].values.tolist()
    assert len(set(keys)) == 3 and all(len(k) == 5 for k in keys)
    positions = ds["needle_position"].values
    needle = len(f" The pass key is {keys[0]}. Remember it. {keys[0]} is the pass key.")
    for li, length in enumerate([320, 480]):
        h = length - len(TASK) - needle - len(QUESTION)
        assert positions[li, 0, 0] == len(TASK)
        assert positions[li, 2, 0] == len(TASK) + h
        np.testing.assert_allclose(ds["actual_depth"].values[li, [0, 2], 0], [0, 1])
