import Foundation
import Synchronization

/// A taper applied to a signal before its FFT. Coefficients for length M, n = 0 … M−1, with
/// D = M − 1 (`.symmetric`) or D = M (`.periodic`):
///
/// ```
/// rectangular: w_n = 1
/// hann:        w_n = 0.5  − 0.5 ·cos(2πn/D)
/// hamming:     w_n = 0.54 − 0.46·cos(2πn/D)
/// blackman:    w_n = 0.42 − 0.5 ·cos(2πn/D) + 0.08·cos(4πn/D)
/// ```
/// `.symmetric` equals `numpy.hanning/hamming/blackman(M)` and `scipy.signal.windows.*(M)`
/// (their default `sym=True`); `.periodic` equals `scipy.signal.get_window(name, M)` (default
/// `fftbins=True`). M = 1 gives `[1]` for every window and symmetry, as numpy and scipy do.
/// Blackman uses the rounded "classic" coefficients 0.42/0.5/0.08 (numpy's), not the exact
/// 7938/18608 … values.
public enum SpectralWindow: String, CaseIterable, Sendable, Codable {
    case rectangular
    case hann
    case hamming
    case blackman

    /// Half-width of the main lobe in units of 1/M cycles/token (M = window length in samples):
    /// 1 (rectangular), 2 (hann, hamming), 3 (blackman). This is the distance from the lobe's
    /// centre to its first zero for the periodic window (exact), and to within a factor M/(M−1)
    /// of it for the symmetric one.
    public var mainLobeHalfWidthBins: Double {
        switch self {
        case .rectangular: return 1
        case .hann, .hamming: return 2
        case .blackman: return 3
        }
    }

    /// Main-lobe half-width in cycles/token for a window of `length` samples:
    /// `mainLobeHalfWidthBins / length`. `length` ≥ 1.
    public func mainLobeHalfWidth(length: Int) -> Double {
        mainLobeHalfWidthBins / Double(max(length, 1))
    }

    /// The window's coefficients, shape [`length`]. Throws `invalidParameter` for `length` < 1.
    /// Results are cached per (window, symmetry, length) in a small bounded cache, so repeated
    /// calls with the same arguments share storage and cost no trigonometry.
    public func coefficients(length: Int, symmetry: WindowSymmetry = .symmetric) throws -> [Double] {
        try Validate.positive(length, "window length")
        return WindowCache.shared.coefficients(self, symmetry, length)
    }

    /// Cosine-sum coefficients (a0, a1, a2) of w_n = a0 − a1·cos(2πn/D) + a2·cos(4πn/D).
    var cosineSum: (Double, Double, Double) {
        switch self {
        case .rectangular: return (1, 0, 0)
        case .hann: return (0.5, 0.5, 0)
        case .hamming: return (0.54, 0.46, 0)
        case .blackman: return (0.42, 0.5, 0.08)
        }
    }

    /// Computes the coefficients without the cache.
    func computeCoefficients(length: Int, symmetry: WindowSymmetry) -> [Double] {
        if self == .rectangular || length == 1 { return [Double](repeating: 1, count: length) }
        let denominator = Double(symmetry == .symmetric ? length - 1 : length)
        let (a0, a1, a2) = cosineSum
        let step = 2 * Double.pi / denominator
        return [Double](unsafeUninitializedCapacity: length) { buffer, count in
            for n in 0..<length {
                let phase = step * Double(n)
                buffer[n] = a0 - a1 * cos(phase) + (a2 == 0 ? 0 : a2 * cos(2 * phase))
            }
            count = length
        }
    }
}

/// Whether a window is built for spectral analysis (periodic, "DFT-even") or for filter design
/// (symmetric). See `SpectralWindow` for the formulas; the default throughout is `.symmetric`.
public enum WindowSymmetry: String, CaseIterable, Sendable, Codable {
    /// D = M − 1: w is symmetric about (M−1)/2 (numpy's window functions).
    case symmetric
    /// D = M: the first M points of a symmetric window of length M+1 (scipy `get_window`).
    case periodic
}

/// A process-wide cache of window coefficients. Bounded: at most `capacity` entries; the
/// oldest entry is dropped first.
final class WindowCache: Sendable {
    struct Key: Hashable {
        let window: SpectralWindow
        let symmetry: WindowSymmetry
        let length: Int
    }

    static let shared = WindowCache()
    let capacity = 16
    private let state = Mutex<(entries: [Key: [Double]], order: [Key])>(([:], []))

    func coefficients(_ window: SpectralWindow, _ symmetry: WindowSymmetry, _ length: Int) -> [Double] {
        let key = Key(window: window, symmetry: symmetry, length: length)
        if let hit = state.withLock({ $0.entries[key] }) { return hit }
        let computed = window.computeCoefficients(length: length, symmetry: symmetry)
        state.withLock { state in
            guard state.entries[key] == nil else { return }
            if state.order.count >= capacity {
                state.entries[state.order.removeFirst()] = nil
            }
            state.entries[key] = computed
            state.order.append(key)
        }
        return computed
    }
}
