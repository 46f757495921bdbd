"""Issue 8 §4: the Slurm path of experiments/slurm on a real single-node cluster.

scripts/slurm-local.sh brings up slurmctld + slurmd + munged from Debian's packages (installing
them with apt-get when missing) in a temporary directory and tears them down afterwards; the
checks need root for that and are skipped otherwise, or when ROPESCOPE_SKIP_SLURM=1.

- check-machinery.sh: job array + dependent merge with a stand-in job (about 25 s).
- check.sh: the tiny perplexity grid through Slurm (shards + `ropescope merge`) equals one local
  run; skipped while the binary has no `probe perplexity` / `merge` or the model is absent.
The argument checks of submit.sh and wait.sh need no cluster.
"""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, _binary

SLURM = REPO / "experiments" / "slurm"
MODEL = REPO / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def needs_cluster():
    if os.environ.get("ROPESCOPE_SKIP_SLURM") == "1":
        pytest.skip("ROPESCOPE_SKIP_SLURM=1")
    if os.geteuid() != 0:
        pytest.skip("a local Slurm cluster needs root (slurmd launches jobs as the submitting user)")


def run_script(script, *args, env=None, timeout=900):
    environment = {**os.environ, "ROPESCOPE_BIN": str(_binary()), **(env or {})}
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=environment, timeout=timeout)


def test_slurm_machinery_with_stand_in_job():
    needs_cluster()
    result = run_script(SLURM / "check-machinery.sh")
    print(result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check-machinery: OK" in result.stderr
    assert "merge job CANCELLED" in result.stderr


def test_slurm_perplexity_grid_equals_local_run(ropescope):
    needs_cluster()
    for verb in (["probe", "perplexity"], ["merge"]):
        # An unknown subcommand's --help prints the top-level help and exits 0: look at the usage line.
        help_text = ropescope(*verb, "--help", check=False).stdout
        if f"USAGE: ropescope {' '.join(verb)}" not in help_text:
            pytest.skip(f"ropescope has no `{' '.join(verb)}` yet")
    if not MODEL.exists():
        pytest.skip(f"{MODEL} is absent: run scripts/fetch-model.sh")
    result = run_script(SLURM / "check.sh")
    print(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check: OK" in result.stderr
    assert "compared" in result.stdout and "equal" in result.stdout


@pytest.mark.parametrize(
    "env, message",
    [
        ({"MODEL": "", "TEXT": "t.txt", "LENGTHS": "256", "OUT": "/tmp/x"}, "MODEL is not set"),
        ({"MODEL": "m.gguf", "TEXT": "t.txt", "LENGTHS": "256", "OUT": ""}, "OUT is not set"),
        ({"MODEL": "m.gguf", "TEXT": "t.txt", "LENGTHS": "256", "OUT": "/tmp/x", "SHARDS": "0"}, "SHARDS=0"),
        ({"MODEL": "m.gguf", "TEXT": "t.txt", "LENGTHS": "256", "OUT": "/tmp/x", "SHARDS": "two"}, "SHARDS='two'"),
        ({"CONFIG": "/nonexistent/grid.env"}, "CONFIG file '/nonexistent/grid.env' is not readable"),
    ],
)
def test_submit_rejects_bad_parameters_before_submitting(env, message):
    base = {name: "" for name in ("MODEL", "TEXT", "LENGTHS", "OUT", "CONFIG", "SHARDS")}
    base.pop("SHARDS")
    result = run_script(SLURM / "submit.sh", env={**base, **env, "PATH": "/nonexistent:" + os.environ["PATH"]})
    assert result.returncode in (64, 66), result.stderr
    assert message in result.stderr
    assert result.stdout == "", "no job id may be printed"


def test_wait_rejects_bad_job_ids():
    result = run_script(SLURM / "wait.sh", "12x")
    assert result.returncode == 64
    assert "job id '12x'" in result.stderr
