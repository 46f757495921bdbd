"""`validate --json` analytic values against numpy, computed here from the closed forms.

For the single-base candidates (none, ntk, critical-ntk, diffusion-ntk: θ'_i = b'^(−2i/d), b' from
the JSON's effective_base, itself checked for ntk and the critical rules) and linear (θ_i/s):
T_extra = 2π/(m·θ'_c) with c = d_crit(m)/2, the worst target/trained span ratio of the
out-of-range pairs, and θ'_0/θ_0, for both attention regimes.
"""
import json
import math

import numpy as np
import pytest


def critical_dimension(d, b, length):
    return 2 * math.ceil(d / 2 * math.log(length / (2 * math.pi)) / math.log(b))


def expected(d, b, train, target, m, theta_scaled):
    theta = b ** (-np.arange(d // 2) * 2.0 / d)
    c = critical_dimension(d, b, m * train) // 2
    bound = 2 * math.pi / (m * theta_scaled[c])
    seen, reached = m * train * theta, m * target * theta_scaled
    out = (seen < 2 * math.pi) & (reached > seen * (1 + 1e-12))
    worst = float((reached / seen)[out].max()) if out.any() else 1.0
    return bound, worst, theta_scaled[0] / theta[0]


@pytest.mark.parametrize("d,b,train,target,attention", [
    (128, 1e4, 4096, 16384, "causal"),
    (128, 5e5, 4096, 131072, "bidirectional"),
    (64, 1e5, 8192, 32768, "causal"),
])
def test_analytic_checks_match_numpy(ropescope, d, b, train, target, attention):
    result = ropescope("validate", "--dim", d, "--base", b, "--train-length", train, "--target-length", target,
                       "--attention", attention, "--json", check=False)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    m = 1 if attention == "causal" else 2
    s = target / train
    checked = 0
    for candidate in report["candidates"]:
        spec = candidate["spec"]
        method = spec.split(":")[0]
        if method == "linear":
            theta_scaled = b ** (-np.arange(d // 2) * 2.0 / d) / s
        elif method in ("none", "ntk", "critical-ntk", "diffusion-ntk"):
            base = candidate["effective_base"]
            if method == "ntk":
                assert base == pytest.approx(b * s ** (d / (d - 2)), rel=1e-12)
            if method in ("critical-ntk", "diffusion-ntk"):
                k = 1 if method == "critical-ntk" else 2
                assert base == pytest.approx((k * target / (2 * math.pi)) ** (d / critical_dimension(d, b, k * train)), rel=1e-12)
            theta_scaled = base ** (-np.arange(d // 2) * 2.0 / d)
        else:
            continue
        bound, worst, fastest = expected(d, b, train, target, m, theta_scaled)
        checks = {c["name"]: c for c in candidate["checks"]}
        assert checks["critical-pair-bound"]["value"] == pytest.approx(bound, rel=1e-9), spec
        assert checks["critical-pair-bound"]["passed"] == (bound >= target * (1 - 1e-9)), spec
        assert checks["out-of-range-pairs"]["value"] == pytest.approx(worst, rel=1e-9), spec
        assert checks["high-frequency-resolution"]["value"] == pytest.approx(fastest, rel=1e-12), spec
        checked += 1
    assert checked == 5
