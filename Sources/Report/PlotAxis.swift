import Foundation

/// One axis of a plot: label (with its unit), linear or log scale, and the data range.
public struct PlotAxis: Sendable {
    public enum Scale: Sendable { case linear, log10 }

    /// Axis title, unit included ("wavelength λ' (tokens)").
    public var label: String
    public var scale: Scale
    /// Range shown; nil = from the data (log axes widen to whole decades, linear ones to nice ticks).
    public var range: ClosedRange<Double>?

    public init(label: String, scale: Scale = .linear, range: ClosedRange<Double>? = nil) {
        self.label = label
        self.scale = scale
        self.range = range
    }

    /// The shown range for data values `values` (finite, > 0 on a log axis).
    func resolvedRange(_ values: [Double]) -> ClosedRange<Double> {
        if let range { return range }
        let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        guard var low = usable.min(), var high = usable.max() else { return scale == .log10 ? 1...10 : 0...1 }
        switch scale {
        case .log10:
            low = Foundation.pow(10, Foundation.floor(Foundation.log10(low)))
            high = Foundation.pow(10, Foundation.ceil(Foundation.log10(high)))
            if high <= low { high = low * 10 }
        case .linear:
            if high <= low { (low, high) = (low - 0.5, high + 0.5) }
            let step = Self.niceStep((high - low) / 5)
            low = Foundation.floor(low / step) * step
            high = Foundation.ceil(high / step) * step
        }
        return low...high
    }

    /// Tick values inside `range`: whole decades (log; every other one past 8 decades) or 1/2/5 steps (linear).
    func ticks(_ range: ClosedRange<Double>) -> [Double] {
        switch scale {
        case .log10:
            let first = Int(Foundation.ceil(Foundation.log10(range.lowerBound) - 1e-9))
            let last = Int(Foundation.floor(Foundation.log10(range.upperBound) + 1e-9))
            guard first <= last else { return [] }
            let stride = last - first > 8 ? 2 : 1
            return Swift.stride(from: first, through: last, by: stride).map { Foundation.pow(10, Double($0)) }
        case .linear:
            let step = Self.niceStep((range.upperBound - range.lowerBound) / 5)
            var value = Foundation.ceil(range.lowerBound / step - 1e-9) * step
            var result: [Double] = []
            while value <= range.upperBound + step * 1e-9, result.count < 20 {
                result.append(abs(value) < step * 1e-9 ? 0 : value)
                value += step
            }
            return result
        }
    }

    /// Position of `value` in [0, 1] along the axis (clamped).
    func fraction(_ value: Double, in range: ClosedRange<Double>) -> Double {
        let t: Double
        switch scale {
        case .log10:
            let v = max(value, range.lowerBound * 1e-3)
            t = (Foundation.log10(v) - Foundation.log10(range.lowerBound))
                / (Foundation.log10(range.upperBound) - Foundation.log10(range.lowerBound))
        case .linear:
            t = (value - range.lowerBound) / (range.upperBound - range.lowerBound)
        }
        return min(max(t, -0.02), 1.02)
    }

    /// 1, 2 or 5 × 10^k ≥ `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
        for multiple in [1.0, 2, 5, 10] where multiple * power >= raw * (1 - 1e-12) { return multiple * power }
        return 10 * power
    }
}
