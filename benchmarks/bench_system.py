"""Machine facts recorded with every benchmark result: the CPU model and the BLAS kernel ropescope
runs on, read from `ropescope system --json` (the same report users paste into bug reports).

ropescope corrects OpenBLAS's kernel at start-up when OpenBLAS fell back to a generic one (see the
README, "BLAS kernel"), so the kernel that matters is the one the measured process runs, not the
one OpenBLAS would pick by itself; both are recorded. numpy's bundled OpenBLAS is a separate
library with its own choice (bench_analyzers.py prints it through threadpoolctl when installed).
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path


def ropescope_system(binary: Path, env: dict[str, str] | None = None) -> dict:
    """The CPU and BLAS facts of `ropescope system --json`, flattened to one level."""
    result = subprocess.run([str(binary), "system", "--json"], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{binary} system --json exited with {result.returncode}: {result.stderr.strip()}")
    report = json.loads(result.stdout)
    blas, cpu = report["blas"], report["cpu"]
    return {
        "cpu_model": cpu["model"], "cpu_vendor": cpu["vendor"], "cpu_family": cpu["family"],
        "cpu_model_number": cpu["model_number"], "cpu_features": cpu["features"],
        "logical_cores": cpu["logical_cores"],
        "blas_kernel": blas["kernel"], "blas_kernel_action": blas["action"], "blas_kernel_reason": blas["reason"],
        "openblas_own_choice": blas["openblas_choice"], "blas_library": blas["library"],
        "blas_version": blas["version"], "blas_threads": blas["threads"],
    }


def describe(facts: dict) -> str:
    """One line: CPU model, vendor/family/model, the BLAS kernel and what ropescope did about it."""
    return (f"CPU {facts['cpu_model']} ({facts['cpu_vendor']} family {facts['cpu_family']} model "
            f"{facts['cpu_model_number']}, {facts['logical_cores']} logical cores); BLAS kernel {facts['blas_kernel']} "
            f"({facts['blas_kernel_action']}: {facts['blas_kernel_reason']}), OpenBLAS {facts['blas_version']}, "
            f"{facts['blas_threads']} threads")


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description="print the machine facts the benchmarks record")
    parser.add_argument("binary", type=Path, help="ropescope binary")
    facts = ropescope_system(parser.parse_args().binary)
    print(describe(facts))
    print(json.dumps(facts, indent=2))
