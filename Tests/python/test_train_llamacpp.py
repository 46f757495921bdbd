"""The AR twin that `ropescope train` writes loads in llama-cpp-python and scores the same.

Trains a seconds-long byte-level twin (3 steps), then scores the same windows of a text with
`ropescope score --json` and with llama.cpp (logits of every position, NLL in float64 numpy):
the token ids must equal the UTF-8 bytes and the mean NLL must agree within 1e-4 nats. Skipped
when llama_cpp is not installed (scripts/fixtures/requirements-llamacpp.txt pins it).
"""
import math

import pytest

REPO_TEXT = "Tests/Fixtures/text/sample.txt"
CONTEXT = 64
WINDOWS = 3


def test_ar_twin_loads_and_scores_in_llama_cpp(ropescope, tmp_path):
    llama_cpp = pytest.importorskip("llama_cpp")
    np = pytest.importorskip("numpy")
    data = tmp_path / "data"
    data.mkdir()
    for i in range(12):
        (data / f"d{i}.txt").write_text(("the cat sat on the mat %d. " % i) * 10, encoding="utf-8")
    config = tmp_path / "tiny.json"
    config.write_text('{"embedding_size": 32, "layer_count": 2, "head_count": 4, "key_value_head_count": 2, '
                      '"feed_forward_size": 64, "batch_size": 2, "tied_output": false}')
    twin = tmp_path / "twin.gguf"
    ropescope("train", "--objective", "ar", "--config", config, "--data", data, "--context-length", CONTEXT,
              "--steps", 3, "--output", twin)
    from pathlib import Path
    text_path = Path(__file__).resolve().parents[2] / REPO_TEXT
    ours = ropescope("score", twin, "--text-file", text_path, "--context-length", CONTEXT, "--windows", WINDOWS,
                     "--json", parse_json=True)

    text = text_path.read_text(encoding="utf-8")
    llm = llama_cpp.Llama(model_path=str(twin), n_ctx=CONTEXT, n_batch=CONTEXT, n_ubatch=CONTEXT, logits_all=True,
                          verbose=False, n_threads=1)
    ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    assert ids == list(text.encode("utf-8"))
    total, count = 0.0, 0
    for w in range(WINDOWS):
        window = ids[w * CONTEXT:(w + 1) * CONTEXT]
        llm.reset()
        llm.eval(window)
        logits = np.array(llm.scores[:CONTEXT], dtype=np.float64)
        for i in range(CONTEXT - 1):
            row = logits[i]
            top = row.max()
            total += top + math.log(np.exp(row - top).sum()) - row[window[i + 1]]
            count += 1
    assert ours["tokens_scored"] == count
    assert abs(ours["mean_nll"] - total / count) <= 1e-4
