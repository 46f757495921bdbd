"""`spectrum` and `conditioning` against numpy.fft / numpy.linalg on signals built independently
from the published RoPE formula."""
import numpy as np
import pytest
from scipy.signal import hilbert

WINDOWS = {"rectangular": lambda n: np.ones(n), "hann": np.hanning, "hamming": np.hamming, "blackman": np.blackman}


def kernel(theta, distances):
    return np.cos(np.outer(distances, theta)).sum(axis=1) / len(theta)


@pytest.mark.parametrize("window", list(WINDOWS))
@pytest.mark.parametrize("padding", [1, 4])
def test_spectrum_matches_numpy_fft(ropescope, window, padding):
    d, b, length = 32, 10000.0, 300
    report = ropescope("spectrum", "--dim", d, "--base", b, "--train-length", 256, "--target-length", 1024,
                       "--rope", "linear:factor=4", "--length", length, "--window-function", window,
                       "--padding", padding, "--json", parse_json=True)
    theta = b ** (-np.arange(0, d, 2) / d) / 4
    np.testing.assert_allclose(report["inverse_frequency"], theta, rtol=1e-13)
    for regime in report["regimes"]:
        distances = np.arange(0, length) if regime["regime"] == "causal" else np.arange(-length, length)
        assert regime["distance"] == distances.tolist()
        k = kernel(theta, distances)
        # Kernel: sums of 16 cosines of |arguments| ≤ 300 rad, libm accuracy ~1e-16 each.
        np.testing.assert_allclose(regime["kernel"], k, rtol=0, atol=1e-12)
        n_fft = 1 << int(np.ceil(np.log2(padding * len(distances))))
        assert regime["fft_length"] == n_fft
        power = np.abs(np.fft.rfft(WINDOWS[window](len(distances)) * k, n=n_fft)) ** 2
        # Double FFT of length ≤ 4096: relative error ~ log2(N)·eps per bin of the peak's scale.
        np.testing.assert_allclose(regime["power"], power, rtol=0, atol=1e-9 * power.max())
        np.testing.assert_allclose(regime["frequency"], np.arange(n_fft // 2 + 1) / n_fft, rtol=0, atol=1e-15)
        # Causal: envelope of the even extension K(-D) = K(D) over D = -(L-1)..L-1, kept for D >= 0.
        extended = np.concatenate([k[:0:-1], k]) if regime["regime"] == "causal" else k
        envelope = np.abs(hilbert(extended))[len(extended) - len(k):]
        np.testing.assert_allclose(regime["envelope"], envelope, rtol=0, atol=1e-9)


def features(theta, distances):
    angles = np.outer(distances, theta)
    out = np.empty((len(distances), 2 * len(theta)))
    out[:, 0::2] = np.cos(angles)
    out[:, 1::2] = np.sin(angles)
    return out


def test_conditioning_matches_numpy_svd(ropescope):
    d, b, length = 16, 10000.0, 200
    report = ropescope("conditioning", "--dim", d, "--base", b, "--train-length", 128, "--target-length", 512,
                       "--rope", "ntk:factor=4", "--length", length, "--json", parse_json=True)
    theta = b ** (-np.arange(0, d, 2) / d)
    scaled = (b * 4 ** (d / (d - 2))) ** (-np.arange(0, d, 2) / d)
    for regime in report["regimes"]:
        distances = np.arange(length) if regime["regime"] == "causal" else np.arange(-(length - 1), length)
        assert regime["rows"] == len(distances)
        for key, th in (("unscaled", theta), ("scaled", scaled)):
            sigma = np.linalg.svd(features(th, distances), compute_uv=False)
            got = np.array(regime[key]["singular_values"])
            # Backward-stable SVDs agree to eps·σ_max·(small factor) in absolute terms.
            np.testing.assert_allclose(got, sigma, rtol=0, atol=1e-11 * sigma[0])
            p = sigma / sigma.sum()
            assert regime[key]["effective_rank"] == pytest.approx(np.exp(-(p * np.log(p)).sum()), rel=1e-9)
            tol = sigma[0] * max(len(distances), 2 * len(th)) * np.finfo(float).eps
            assert regime[key]["numerical_rank"] == int((sigma > tol).sum())
            if sigma[-1] > tol:  # the ratio is only meaningful above the rank tolerance
                cond = sigma[0] / sigma[-1]
                # σ_min carries an absolute error ~ c·eps·σ_max, so the ratio's relative error is ~ c·eps·cond.
                assert regime[key]["condition_number"] == pytest.approx(cond, rel=100 * np.finfo(float).eps * cond + 1e-12)
