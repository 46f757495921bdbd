import Foundation
import RoPE
import Spectra

/// The distinct analyses of a sweep: one task per (kind, frequency set, regime), where frequency
/// sets are compared bit for bit. Without memoisation every row gets its own tasks.
struct SweepWorkPlan {
    enum Kind: Hashable, Sendable {
        case spectrum
        case conditioning
    }

    struct Key: Hashable, Sendable {
        let kind: Kind
        /// θ as IEEE bit patterns (so −0.0 and 0.0, or NaNs, never merge).
        let frequencyBits: [UInt64]
        let regime: RelativeDistanceRegime
        /// The row and whether θ is its unscaled set, when not memoising (so every row computes
        /// exactly what a per-row analysis does); nil when shared.
        let row: Int?
        let isUnscaled: Bool?
    }

    struct Task: Sendable {
        let key: Key
        let inverseFrequency: [Double]

        func run(spectrum: ResolvedSpectrumSettings?, conditioningLength: Int?) throws -> Output {
            switch key.kind {
            case .spectrum:
                // Tasks of a kind are only registered when the grid has its settings.
                guard let settings = spectrum else { preconditionFailure("spectrum task without spectrum settings") }
                return .spectrum(try RegimeSpectrum(
                    inverseFrequency: inverseFrequency, regime: key.regime, length: settings.length, options: settings.options))
            case .conditioning:
                guard let length = conditioningLength else { preconditionFailure("conditioning task without a length") }
                return .conditioning(try PositionFeatureConditioning(
                    inverseFrequency: inverseFrequency, regime: key.regime, length: length))
            }
        }
    }

    enum Output: Sendable {
        case spectrum(RegimeSpectrum)
        case conditioning(PositionFeatureConditioning)
    }

    let memoises: Bool
    private(set) var tasks: [Task] = []
    private var taskIndex: [Key: Int] = [:]

    init(memoises: Bool) { self.memoises = memoises }

    private func key(_ kind: Kind, _ theta: [Double], row: Int, unscaled: Bool, regime: RelativeDistanceRegime) -> Key {
        Key(kind: kind, frequencyBits: theta.map(\.bitPattern), regime: regime,
            row: memoises ? nil : row, isUnscaled: memoises ? nil : unscaled)
    }

    private mutating func add(_ kind: Kind, _ theta: [Double], row: Int, unscaled: Bool) {
        for regime in RelativeDistanceRegime.allCases {
            let key = key(kind, theta, row: row, unscaled: unscaled, regime: regime)
            if taskIndex[key] == nil {
                taskIndex[key] = tasks.count
                tasks.append(Task(key: key, inverseFrequency: theta))
            }
        }
    }

    /// Adds the tasks row `row` needs (scaled θ' spectra; unscaled θ and scaled θ' conditioning).
    mutating func register(row: Int, table: PairTable, spectra: Bool, conditioning: Bool) {
        if spectra { add(.spectrum, table.inverseFrequency, row: row, unscaled: false) }
        if conditioning {
            add(.conditioning, table.baseInverseFrequency, row: row, unscaled: true)
            add(.conditioning, table.inverseFrequency, row: row, unscaled: false)
        }
    }

    /// The spectrum registered for (θ', row, regime); `outputs` are the results of `tasks`, in order.
    /// A miss is a programmer error (the row was not registered).
    func spectrum(of theta: [Double], row: Int, regime: RelativeDistanceRegime, in outputs: [Output]) -> RegimeSpectrum {
        guard let index = taskIndex[key(.spectrum, theta, row: row, unscaled: false, regime: regime)],
              case let .spectrum(value) = outputs[index] else {
            preconditionFailure("no spectrum registered for row \(row), \(regime.rawValue)")
        }
        return value
    }

    /// The conditioning registered for (θ, row, regime), as `spectrum(of:row:regime:in:)`;
    /// `unscaled` says whether θ is the row's unscaled set.
    func conditioning(
        of theta: [Double], row: Int, unscaled: Bool, regime: RelativeDistanceRegime, in outputs: [Output]
    ) -> PositionFeatureConditioning {
        guard let index = taskIndex[key(.conditioning, theta, row: row, unscaled: unscaled, regime: regime)],
              case let .conditioning(value) = outputs[index] else {
            preconditionFailure("no conditioning registered for row \(row), \(regime.rawValue)")
        }
        return value
    }
}

/// Lock-protected result slots filled from concurrent workers.
final class ResultSlots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private var filled = 0
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Stores a value and returns how many slots are filled.
    func store(_ value: Value, at index: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[index] = value
        filled += 1
        return filled
    }

    /// All values; every slot must have been filled.
    func values() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { slot in
            guard let slot else { preconditionFailure("sweep slot left empty") }
            return slot
        }
    }
}
