"""Compare two grid files of `ropescope probe perplexity` (e.g. merged shards vs one local run).

    python experiments/slurm/compare_grids.py A.h5 B.h5 [--ignore REGEX ...] [--rtol R]

Opens both with xarray (engine h5netcdf) and requires: the same data variables and coordinates,
the same dimension sizes, and equal values in every numeric variable (NaN equal to NaN), except
variables whose name matches an --ignore pattern (default: timings such as tokens_per_second and
seconds, which differ from run to run). With --rtol > 0, values may differ by rtol·|b| (default 0:
the same binary on the same windows and thread count gives identical numbers). Prints the largest
difference per variable; exit 0 when equal, 1 otherwise.
"""
from __future__ import annotations

import argparse
import re
import sys

import numpy as np
import xarray as xr

DEFAULT_IGNORE = [r"tokens_per_second", r"(^|_)seconds$", r"wall", r"elapsed"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--ignore", action="append", default=None, help="regex of variable names to skip")
    ap.add_argument("--rtol", type=float, default=0.0)
    args = ap.parse_args(argv)
    ignore = [re.compile(p) for p in (args.ignore if args.ignore is not None else DEFAULT_IGNORE)]
    a = xr.open_dataset(args.a, engine="h5netcdf")
    b = xr.open_dataset(args.b, engine="h5netcdf")
    problems = []
    names_a = set(a.variables)
    names_b = set(b.variables)
    if names_a != names_b:
        problems.append(f"variables differ: only in A {sorted(names_a - names_b)}, only in B {sorted(names_b - names_a)}")
    if dict(a.sizes) != dict(b.sizes):
        problems.append(f"dimension sizes differ: {dict(a.sizes)} vs {dict(b.sizes)}")
    compared = 0
    for name in sorted(names_a & names_b):
        if any(p.search(name) for p in ignore):
            print(f"  {name}: ignored")
            continue
        va, vb = a[name], b[name]
        if va.dims != vb.dims or va.shape != vb.shape:
            problems.append(f"{name}: dims {va.dims}{va.shape} vs {vb.dims}{vb.shape}")
            continue
        xa, xb = np.asarray(va.values), np.asarray(vb.values)
        if xa.dtype.kind in "fc" or xb.dtype.kind in "fc":
            nan_a, nan_b = np.isnan(xa), np.isnan(xb)
            if not np.array_equal(nan_a, nan_b):
                problems.append(f"{name}: NaN at different places ({int(nan_a.sum())} vs {int(nan_b.sum())})")
                continue
            diff = np.abs(np.where(nan_a, 0, xa) - np.where(nan_b, 0, xb))
            worst = float(diff.max()) if diff.size else 0.0
            bound = args.rtol * np.abs(np.where(nan_b, 0, xb))
            ok = bool(np.all(diff <= bound))
            print(f"  {name}{list(va.dims)}: max |A-B| = {worst:.3g}")
            if not ok:
                index = np.unravel_index(int(np.argmax(diff - bound)), diff.shape) if diff.ndim else ()
                problems.append(f"{name}: max |A-B| = {worst:.6g} at {tuple(int(i) for i in index)} (rtol {args.rtol})")
        elif not np.array_equal(xa, xb):
            problems.append(f"{name}: values differ")
        else:
            print(f"  {name}{list(va.dims)}: equal")
        compared += 1
    if compared == 0:
        problems.append("no variable was compared")
    for problem in problems:
        print(f"DIFFERENT: {problem}", file=sys.stderr)
    print(f"compared {compared} variables: {'equal' if not problems else 'DIFFERENT'}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
