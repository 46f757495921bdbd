"""ropescope's coverage, critical dimensions and extrapolation bounds against an independent
numpy implementation of the published formulas (Liu et al. 2310.05209; UltraLLaDA 2510.10481)."""
import numpy as np
import pytest

CASES = [
    # (d, base, T_train, T_target, spec, scaled inverse frequency as a function of plain theta)
    (128, 10000.0, 4096, 16384, "none", lambda th, d, b: th),
    (64, 100000.0, 8192, 32768, "linear:factor=4", lambda th, d, b: th / 4),
    (128, 500000.0, 4096, 32768, "base=27500000", lambda th, d, b: 27500000.0 ** (-np.arange(0, d, 2) / d)),
    (64, 100000.0, 8192, 65536, "ntk:factor=8", lambda th, d, b: (b * 8 ** (d / (d - 2))) ** (-np.arange(0, d, 2) / d)),
]


def critical_dimension(length, d, base):
    raw = np.ceil((d / 2) * np.log(length / (2 * np.pi)) / np.log(base))
    return int(2 * min(max(raw, 0), d / 2))


@pytest.mark.parametrize("d,base,train,target,spec,scaled", CASES)
def test_coverage_matches_numpy(ropescope, d, base, train, target, spec, scaled):
    report = ropescope("coverage", "--dim", d, "--base", base, "--train-length", train,
                       "--target-length", target, "--rope", spec, "--json", parse_json=True)
    theta = base ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    theta_scaled = scaled(theta, d, base)
    np.testing.assert_allclose(report["inverse_frequency"], theta_scaled, rtol=1e-12, atol=0)
    for regime, m in (("causal", 1), ("bidirectional", 2)):
        detail = report["regimes"][regime]
        seen = m * train * theta
        reached = m * target * theta_scaled
        np.testing.assert_allclose(detail["period_fraction_train"], np.minimum(1, seen / (2 * np.pi)), rtol=1e-12)
        np.testing.assert_allclose(detail["period_fraction_target"], np.minimum(1, reached / (2 * np.pi)), rtol=1e-12)
        out = (seen < 2 * np.pi) & (reached > seen * (1 + 1e-12))
        assert detail["out_of_range"] == out.tolist()
        assert detail["out_of_range_fraction"] == pytest.approx(out.mean(), abs=1e-15)
        np.testing.assert_allclose(detail["excess_angle"], np.where(out, reached - seen, 0.0), rtol=1e-12, atol=1e-12)
        d_crit = critical_dimension(m * train, d, base)
        assert report["critical_dimension"][regime] == d_crit
        bound = report["extrapolation_bound"][regime]
        if d_crit // 2 < d // 2:
            assert bound == pytest.approx(2 * np.pi / (m * theta_scaled[d_crit // 2]), rel=1e-12)
        else:
            assert bound is None


def test_published_critical_dimensions(ropescope):
    llama2 = ropescope("coverage", "--preset", "llama2-7b", "--target-length", 4096, "--json", parse_json=True)
    assert llama2["critical_dimension"]["causal"] == 92  # Liu et al., LLaMA-2
    assert critical_dimension(4096, 128, 10000.0) == 92


@pytest.mark.parametrize("target,expected", [(8192, 4), (16384, 14), (24576, 31), (32768, 55)])
def test_longllada_factors(ropescope, target, expected):
    report = ropescope("scale", "--preset", "llada-8b", "--target-length", target, "--regime", "causal",
                       "--round-up", "--json", parse_json=True)
    d_crit = critical_dimension(4096, 128, 500000.0)
    exact = (target / (2 * np.pi)) ** (128 / d_crit) / 500000.0
    assert report["exact_scaling_factor"] == pytest.approx(exact, rel=1e-12)
    assert report["scaling_factor"] == expected == np.ceil(exact)


def test_ultrallada_diffusion_aware_base(ropescope):
    report = ropescope("scale", "--preset", "llada-8b", "--target-length", 131072, "--json", parse_json=True)
    assert report["regime"] == "bidirectional"
    d_crit = critical_dimension(2 * 4096, 128, 500000.0)
    new_base = (2 * 131072 / (2 * np.pi)) ** (128 / d_crit)
    assert report["critical_dimension"] == d_crit == 70
    assert report["base"] == pytest.approx(new_base, rel=1e-12)
