import Inference
import TensorArchive

/// Streams a scoring run into a netCDF-4 HDF5 file: per-token NLL and token ids per window, and
/// any captured hooks, each with an unlimited leading `window` dimension.
///
/// Variables: `nll(window, position)` nats (NaN = not scored), `token_id(window, position)`;
/// hooks under their TransformerLens names (`blocks.3.attn.hook_pattern`) with the hook's declared
/// dimension names after `window`. Every hook dimension gets a coordinate variable (the model
/// index, e.g. the selected heads), defined when the hook first arrives.
public final class ScoreArchive: HookSink {
    private let container: ArchiveContainer
    private let nll: AppendableVariable
    private let tokenIDs: AppendableVariable
    private var hookVariables: [String: AppendableVariable] = [:]
    private var dimensionLengths: [String: Int]
    /// Coordinate values written for each hook dimension (a later hook must agree with them).
    private var dimensionCoordinates: [String: [Int]] = [:]
    /// Hook tensors of the current window; `receive` cannot throw, so writing waits for `finishWindow`.
    private var pending: [HookTensor] = []

    /// Defines `window` (unlimited) and `position` (L) and the NLL and token variables.
    public init(container: ArchiveContainer, contextLength: Int) throws {
        self.container = container
        try container.defineUnlimitedDimension("window")
        try container.writeCoordinate("position", values: .ints(Array(0..<contextLength)), units: "1",
                                      longName: "position within the window (RoPE position)")
        dimensionLengths = ["position": contextLength]
        nll = try container.makeAppendable(
            "nll", dimensions: ["window", "position"], type: .float64, units: "nats",
            longName: "negative log-likelihood of the token given the window's earlier tokens (NaN = not scored)")
        tokenIDs = try container.makeAppendable(
            "token_id", dimensions: ["window", "position"], type: .int32, units: "1", longName: "token id")
    }

    /// Buffers a hook tensor of the current window (written by `finishWindow`).
    public func receive(_ tensor: HookTensor) {
        pending.append(tensor)
    }

    /// Appends the window's scores and its buffered hooks.
    public func finishWindow(_ score: WindowScore) throws {
        try nll.append(.float64(score.negativeLogLikelihood))
        try tokenIDs.append(.int32(score.tokens))
        for tensor in pending { try append(tensor) }
        pending.removeAll()
    }

    /// `long_name` of each hook coordinate variable.
    static let coordinateLongNames = [
        "head": "query head index", "kv_head": "key/value head index", "d_head": "index within a head",
        "d_model": "residual stream component", "d_mlp": "MLP hidden unit", "vocab": "token id",
        "query_position": "query position within the window", "key_position": "key position within the window",
        HookPoint.selectedHeadDimension: "selected query head (model head index)",
        HookPoint.selectedQueryDimension: "selected query position within the window",
        HookPoint.selectedKeyDimension: "selected key position within the window",
    ]

    private func append(_ tensor: HookTensor) throws {
        if hookVariables[tensor.name] == nil {
            for (dimension, length) in zip(tensor.dimensionNames, tensor.shape) {
                let values = tensor.coordinates[dimension] ?? Array(0..<length)
                if let existing = dimensionLengths[dimension] {
                    guard existing == length, dimensionCoordinates[dimension].map({ $0 == values }) ?? true else {
                        throw ProbeError.hookDimensionConflict(hook: tensor.name, dimension: dimension, length: length, existing: existing)
                    }
                    continue
                }
                try container.writeCoordinate(dimension, values: .ints(values), units: "1",
                                              longName: Self.coordinateLongNames[dimension] ?? "\(dimension) index")
                dimensionLengths[dimension] = length
                dimensionCoordinates[dimension] = values
            }
            hookVariables[tensor.name] = try container.makeAppendable(
                tensor.name, dimensions: ["window"] + tensor.dimensionNames, type: .float32,
                units: tensor.point.units, longName: tensor.point.longName)
        }
        try hookVariables[tensor.name]?.append(.float32(tensor.values))
    }
}
