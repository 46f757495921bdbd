/// Which hooks to capture, and restrictions that keep long runs small.
///
/// Patterns are concrete names or globs in which `*` matches any run of characters:
/// `blocks.*.attn.hook_pattern`, `blocks.0.*`, `hook_logits`, `*`.
/// `layers` restricts every per-layer hook. `heads`, `queryPositions` and `keyPositions` restrict
/// only `hook_attn_scores` and `hook_pattern`: just those heads × query rows × key columns are
/// materialised (the softmax still normalises over every allowed key).
public struct HookSelection: Equatable, Sendable {
    /// Names or globs; empty selects nothing.
    public var patterns: [String]
    /// Block indices to capture per-layer hooks for; nil = all.
    public var layers: Set<Int>?
    /// Query heads of scores/patterns, in output order; nil = all.
    public var heads: [Int]?
    /// Window positions of the query rows of scores/patterns; nil = all.
    public var queryPositions: Range<Int>?
    /// Window positions of the key columns of scores/patterns; nil = all.
    public var keyPositions: Range<Int>?

    /// Patterns plus optional restrictions (nil = unrestricted); checked when the forward pass runs.
    public init(_ patterns: [String], layers: Set<Int>? = nil, heads: [Int]? = nil,
                queryPositions: Range<Int>? = nil, keyPositions: Range<Int>? = nil) {
        self.patterns = patterns
        self.layers = layers
        self.heads = heads
        self.queryPositions = queryPositions
        self.keyPositions = keyPositions
    }

    /// Captures nothing.
    public static let none = HookSelection([])

    /// True when `name` matches `pattern`, `*` matching any (possibly empty) run of characters.
    public static func glob(_ pattern: String, matches name: String) -> Bool {
        let p = Array(pattern.utf8), n = Array(name.utf8)
        var pi = 0, ni = 0, starP = -1, starN = 0
        while ni < n.count {
            if pi < p.count, p[pi] == UInt8(ascii: "*") {
                starP = pi; starN = ni; pi += 1
            } else if pi < p.count, p[pi] == n[ni] {
                pi += 1; ni += 1
            } else if starP >= 0 {
                pi = starP + 1; starN += 1; ni = starN
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }

    /// Resolves the patterns against a model with `layerCount` blocks and heads, and a window of
    /// `length`. Throws `unknownHook` for a pattern matching nothing and `invalidHookRestriction`
    /// for layers, heads or ranges outside the model or window.
    func resolve(layerCount: Int, headCount: Int, length: Int) throws -> ResolvedHooks {
        let allNames = HookPoint.allCases.flatMap { point in
            point.isPerLayer ? (0..<layerCount).map { point.name(layer: $0) } : [point.rawValue]
        }
        var selected = Set<String>()
        for pattern in patterns {
            let matched = allNames.filter { Self.glob(pattern, matches: $0) }
            guard !matched.isEmpty else {
                throw InferenceError.unknownHook(pattern: pattern, known: HookPoint.allCases.map(\.rawValue))
            }
            selected.formUnion(matched)
        }
        if let layers, let bad = layers.first(where: { !(0..<layerCount).contains($0) }) {
            throw InferenceError.invalidHookRestriction(name: "layer", value: "\(bad)", allowed: "0..<\(layerCount)")
        }
        if let heads {
            if let bad = heads.first(where: { !(0..<headCount).contains($0) }) {
                throw InferenceError.invalidHookRestriction(name: "head", value: "\(bad)", allowed: "0..<\(headCount)")
            }
            if heads.isEmpty || Set(heads).count != heads.count {
                throw InferenceError.invalidHookRestriction(
                    name: "heads", value: "\(heads)", allowed: "a non-empty list of distinct heads")
            }
        }
        for (name, range) in [("query positions", queryPositions), ("key positions", keyPositions)] {
            if let range, range.isEmpty || range.lowerBound < 0 || range.upperBound > length {
                throw InferenceError.invalidHookRestriction(
                    name: name, value: "\(range.lowerBound)..<\(range.upperBound)", allowed: "a non-empty range within 0..<\(length)")
            }
        }
        return ResolvedHooks(
            names: selected, layers: layers, heads: heads ?? Array(0..<headCount),
            queryPositions: queryPositions ?? 0..<length, keyPositions: keyPositions ?? 0..<length)
    }
}

/// A selection checked against one model and window.
struct ResolvedHooks {
    let names: Set<String>
    let layers: Set<Int>?
    let heads: [Int]
    let queryPositions: Range<Int>
    let keyPositions: Range<Int>

    /// Dimension names of `hook_attn_scores` / `hook_pattern` under this selection: a restricted
    /// axis gets its own name (`head_sel`, `query_sel`, `key_sel`, whose coordinates hold the
    /// selected model indices), so the full `head`, `query_position` and `key_position` axes
    /// of other hooks in the same file keep their meaning and length.
    func attentionDimensionNames(headCount: Int, length: Int) -> [String] {
        [heads == Array(0..<headCount) ? "head" : HookPoint.selectedHeadDimension,
         queryPositions == 0..<length ? "query_position" : HookPoint.selectedQueryDimension,
         keyPositions == 0..<length ? "key_position" : HookPoint.selectedKeyDimension]
    }

    func wants(_ point: HookPoint, layer: Int = 0) -> Bool {
        if names.isEmpty { return false }
        if point.isPerLayer, let layers, !layers.contains(layer) { return false }
        return names.contains(point.isPerLayer ? point.name(layer: layer) : point.rawValue)
    }
}

/// Copies selected activations out of the forward pass's buffers into a `HookSink`.
struct HookEmitter {
    let hooks: ResolvedHooks
    let sink: (any HookSink)?

    func wants(_ point: HookPoint, layer: Int = 0) -> Bool {
        sink != nil && hooks.wants(point, layer: layer)
    }

    /// Emits `shape.reduce(1, *)` floats from `values` if the hook is selected.
    func emit(_ point: HookPoint, layer: Int = 0, shape: [Int], _ values: UnsafePointer<Float>,
              dimensionNames: [String]? = nil, coordinates: [String: [Int]] = [:]) {
        guard let sink, hooks.wants(point, layer: layer) else { return }
        let count = shape.reduce(1, *)
        let copy = Array(UnsafeBufferPointer(start: values, count: count))
        sink.receive(HookTensor(
            name: point.isPerLayer ? point.name(layer: layer) : point.rawValue, point: point,
            layer: point.isPerLayer ? layer : nil, dimensionNames: dimensionNames ?? point.dimensionNames,
            shape: shape, values: copy, coordinates: coordinates))
    }
}
