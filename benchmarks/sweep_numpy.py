"""The default sweep's analyses written with vectorised numpy/scipy, for benchmarks/bench_analyzers.py.

Inputs per row (labels and the scaled θ'_i) are read from a ropescope sweep file; everything else is
computed here from the definitions in Sources/RoPE/Coverage.swift, Sources/RoPE/CriticalDimension.swift
and Sources/Spectra/*.swift, then written to HDF5 with h5py under the same variable names.
"""
import h5py
import numpy as np
from scipy.signal import hilbert

REGIMES = ("causal", "bidirectional")
MULTIPLIER = {"causal": 1.0, "bidirectional": 2.0}
HALF_WIDTH_BINS = {"rectangular": 1, "hann": 2, "hamming": 2, "blackman": 3}
TAPERS = {"rectangular": np.ones, "hann": np.hanning, "hamming": np.hamming, "blackman": np.blackman}


def read_inputs(path):
    """Row labels, θ' (NaN-padded) and sweep settings from a ropescope sweep file."""
    with h5py.File(path, "r") as f:
        rows = {k: f[k][()] for k in ("rotary_dimension", "base", "train_length", "target_length", "inverse_frequency")}
        rows["spectrum_length"] = f["distance_causal"].shape[0]
        rows["fft_length_causal"] = int(f.attrs["spectrum_fft_length_causal"])
        rows["conditioning_length"] = int(f.attrs["conditioning_length"])
    return rows


def coverage(theta, scaled, d, b, train, target, m):
    """Period fractions, out-of-range flags/summary, d_crit and T_extra for one regime (Coverage.swift)."""
    seen, reach = m * train * theta, m * target * scaled
    out = (seen < 2 * np.pi) & (reach > seen * (1 + 1e-12))
    ratio = np.where(seen > 0, reach / seen, np.inf)
    crit = 2 * int(min(max(np.ceil(d / 2 * np.log(m * train / (2 * np.pi)) / np.log(b)), 0), d / 2))
    return {
        "period_fraction_train": np.minimum(1, seen / (2 * np.pi)),
        "period_fraction_target": np.minimum(1, reach / (2 * np.pi)),
        "excess_angle": np.where(out, reach - seen, 0.0),
        "out_of_range": out.astype(np.int8),
        "out_of_range_fraction": out.mean(),
        "worst_span_ratio": ratio[out].max() if out.any() else 1.0,
        "critical_dimension": crit,
        "extrapolation_bound": 2 * np.pi / (m * scaled[crit // 2]) if crit // 2 < d // 2 else np.nan,
    }


def spectra(scaled, regime, length, window, padding):
    """Kernel, power spectrum, per-pair leakage and Hilbert envelope on the FFT window."""
    lw = length if regime == "causal" else 2 * length
    delta = np.arange(lw) - (0 if regime == "causal" else length)
    signals = np.cos(np.outer(scaled, delta))  # [pairs, L_w]
    kernel = signals.mean(axis=0)  # w_i = 1/(d/2)
    taper = TAPERS[window](lw)
    n_fft = 1 << int(np.ceil(np.log2(padding * lw)))
    power = np.abs(np.fft.rfft(taper * kernel, n=n_fft)) ** 2
    pair_power = np.abs(np.fft.rfft(signals * taper, n=n_fft, axis=1)) ** 2  # [pairs, bins]
    mult = np.full(n_fft // 2 + 1, 2.0)
    mult[0] = mult[-1] = 1.0
    f = scaled / (2 * np.pi)
    folded = np.abs(f - np.round(f))
    in_lobe = np.abs(np.arange(n_fft // 2 + 1)[None, :] / n_fft - folded[:, None]) <= HALF_WIDTH_BINS[window] / lw * (1 + 1e-9)
    weighted = pair_power * mult
    leakage = np.where(in_lobe, 0.0, weighted).sum(axis=1) / weighted.sum(axis=1)
    # Causal: envelope of the even extension K(-D) = K(D) over D = -(L-1)..L-1, kept for D >= 0
    # (Spectra's KernelDecay), so the circular transform does not wrap K(L-1) onto K(0).
    extended = np.concatenate([kernel[:0:-1], kernel]) if regime == "causal" else kernel
    envelope = np.abs(hilbert(extended))[extended.size - lw:]
    return kernel, power, leakage, envelope


def singular_values(theta, regime, length):
    """σ of F = [cos(θΔ), sin(θΔ)] over the attained distances (PositionFeatures.swift)."""
    delta = np.arange(length) if regime == "causal" else np.arange(-(length - 1), length)
    angles = np.outer(delta, theta)
    return np.linalg.svd(np.hstack([np.cos(angles), np.sin(angles)]), compute_uv=False)


def singular_values_split(theta, regime, length):
    """The same σ from the even/odd halves of F, as Spectra's FeatureParitySplit does."""
    m = length if regime == "causal" else 2 * length - 1
    u = np.arange(m // 2) + (1.0 if m % 2 else 0.5)
    angles = np.outer(u, theta)
    even = np.sqrt(2) * np.cos(angles)
    if m % 2:
        even = np.vstack([np.ones((1, len(theta))), even])
    sigma = [np.linalg.svd(even, compute_uv=False)]
    if m // 2:
        sigma.append(np.linalg.svd(np.sqrt(2) * np.sin(angles), compute_uv=False))
    return np.sort(np.concatenate(sigma))[::-1]


def conditioning(sigma):
    p = sigma / sigma.sum()
    p = p[p > 0]
    return sigma[0] / sigma[-1], np.exp(-(p * np.log(p)).sum())


def run(inputs, output, window="hann", padding=2, split=False):
    """Computes every row and writes `output` (HDF5). Returns the arrays written (padding: NaN / −1).
    `split` takes σ from the even/odd halves of F instead of the SVD of F itself."""
    n_rows, n_pairs = inputs["inverse_frequency"].shape
    length, cond_length = inputs["spectrum_length"], inputs["conditioning_length"]
    out = {}

    def slot(name, *tail):  # [config, regime, *tail], allocated on first use
        if name not in out:
            out[name] = np.full((n_rows, 2, *tail), -1 if name == "out_of_range" else np.nan)
        return out[name]

    for r in range(n_rows):
        d, b = int(inputs["rotary_dimension"][r]), float(inputs["base"][r])
        train, target = float(inputs["train_length"][r]), float(inputs["target_length"][r])
        scaled = inputs["inverse_frequency"][r, : d // 2]
        theta = b ** (-np.arange(0, d, 2) / d)
        for g, regime in enumerate(REGIMES):
            for name, value in coverage(theta, scaled, d, b, train, target, MULTIPLIER[regime]).items():
                if np.ndim(value):
                    slot(name, n_pairs)[r, g, : d // 2] = value
                else:
                    slot(name)[r, g] = value
            kernel, power, leakage, envelope = spectra(scaled, regime, length, window, padding)
            for name, value in (("kernel", kernel), ("kernel_power", power), ("kernel_envelope", envelope)):
                out.setdefault(f"{name}_{regime}", np.empty((n_rows, len(value))))[r] = value
            slot("pair_leakage", n_pairs)[r, g, : d // 2] = leakage
            for suffix, th in (("", scaled), ("_unscaled", theta)):
                sigma = (singular_values_split if split else singular_values)(th, regime, cond_length)
                slot("singular_values" + suffix, 2 * n_pairs)[r, g, : len(sigma)] = sigma
                slot("condition_number" + suffix)[r, g], slot("effective_rank" + suffix)[r, g] = conditioning(sigma)
    out["out_of_range"] = out["out_of_range"].astype(np.int8)
    out["critical_dimension"] = out["critical_dimension"].astype(np.int32)
    with h5py.File(output, "w") as f:
        for name, value in out.items():
            if value.nbytes < 1 << 20:
                f.create_dataset(name, data=value)
            else:  # as TensorArchive's automatic layout: ≤ 1 MiB chunks, shuffle + deflate 4
                f.create_dataset(name, data=value, chunks=chunk_shape(value), compression="gzip", compression_opts=4, shuffle=True)
    return out


def chunk_shape(value):
    """Halve the largest axis until a chunk holds at most 1 MiB (TensorArchive/ArchiveStorage.swift)."""
    chunk = list(value.shape)
    while np.prod(chunk) * value.itemsize > 1 << 20 and max(chunk) > 1:
        i = int(np.argmax(chunk))
        chunk[i] = (chunk[i] + 1) // 2
    return tuple(chunk)


if __name__ == "__main__":  # python sweep_numpy.py REFERENCE.h5 OUTPUT.h5 REPEATS [split] → {"seconds": best}
    import json
    import sys
    import time

    reference, output, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    split = sys.argv[4:] == ["split"]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(read_inputs(reference), output, split=split)
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": min(times), "all_seconds": times}))
