/// True when `actual` and `expected` are both finite and |actual − expected| ≤ absolute +
/// relative·max(|actual|, |expected|) (symmetric). NaN or ±inf on either side never passes, so a
/// comparison helper built on it cannot accept a NaN where a number was expected.
public func isClose(_ actual: Double, _ expected: Double, absolute: Double, relative: Double) -> Bool {
    guard actual.isFinite, expected.isFinite else { return false }
    return abs(actual - expected) <= absolute + relative * max(abs(actual), abs(expected))
}
