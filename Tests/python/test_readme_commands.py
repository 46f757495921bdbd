"""Every `$B ...` / `ropescope ...` command in README.md's code blocks runs as written and exits 0.

B is the binary under test (ROPESCOPE_BIN, else .build/debug/ropescope), M the default model
(models/SmolLM2-135M-Instruct.Q4_1.gguf; commands using $M are skipped with a message when it is
absent). Commands run from the repository root, as the README's readers do; `out/` paths are
rewritten into a temporary directory so the test writes nothing into the checkout. Continuation
lines (trailing backslash) are joined and shell comments dropped; no other rewriting, so a
placeholder or a failing command in the README fails here.
"""
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, _binary

README = REPO / "README.md"
MODEL = REPO / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def readme_commands():
    """(line number, argument list after the binary) for each command in README code blocks."""
    commands = []
    in_block = False
    pending, start = "", 0
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("```"):
            in_block = not in_block
            continue
        if not in_block:
            continue
        if not pending:
            start = number
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        text, pending = pending.strip(), ""
        if not (text.startswith("$B ") or text.startswith("ropescope ")):
            continue
        words = shlex.split(text, comments=True)
        commands.append((start, words[1:]))
    return commands


COMMANDS = readme_commands()


def test_readme_has_commands():
    assert len(COMMANDS) >= 5, f"found only {len(COMMANDS)} commands in {README}"


@pytest.mark.parametrize("line,arguments", COMMANDS, ids=[f"README:{n}:{' '.join(a[:1])}" for n, a in COMMANDS])
def test_readme_command_runs_as_written(line, arguments, tmp_path):
    binary = _binary()
    if not binary.exists():
        pytest.fail(f"ropescope binary not found at {binary}: run `swift build`")
    if "$M" in arguments and not MODEL.exists():
        pytest.skip(f"README:{line} needs the default model ({MODEL}); fetch it with scripts/fetch-model.sh")
    resolved = []
    for argument in arguments:
        argument = argument.replace("$M", str(MODEL))
        argument = re.sub(r"(^|=)out/", lambda m: f"{m.group(1)}{tmp_path}/", argument)
        assert "$" not in argument, f"README:{line}: unexpanded variable in {argument!r}"
        resolved.append(argument)
    result = subprocess.run([str(binary), *resolved], cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, (
        f"README:{line}: ropescope {' '.join(arguments)} exited {result.returncode}\n{result.stderr[-2000:]}")
    for argument in resolved:
        if argument.startswith(str(tmp_path)):
            assert Path(argument).is_file(), f"README:{line}: {argument} was not written"
