import ArgumentParser
import Inference
import Probes

/// --distance-bins / --sink-tokens / --local-window / --query-bins: what `probe attention`
/// measures (`AttentionProfileLayout`).
struct AttentionProfileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Distance bins: log (0, 1, 2, 4, ...) or ascending lower edges from 0 such as 0,1,16,256.",
                               valueName: "bins"))
    var distanceBins: String = "log"

    @Option(parsing: .unconditional, help: "Sink: the first k window positions (default 4).")
    var sinkTokens: Int = 4

    @Option(parsing: .unconditional, help: "Local span: keys within distance < w of the query (default 128).")
    var localWindow: Int = 128

    @Option(help: ArgumentHelp("Query-position bins: none (default), log (0, 1, 2, 4, ...) or ascending lower edges from 0.",
                               valueName: "bins"))
    var queryBins: String = "none"

    static let maximumSpan = 1 << 30

    func validate() throws {
        guard (0...Self.maximumSpan).contains(sinkTokens) else {
            throw ValidationError("invalid --sink-tokens \(sinkTokens): allowed 0...\(Self.maximumSpan)")
        }
        guard (1...Self.maximumSpan).contains(localWindow) else {
            throw ValidationError("invalid --local-window \(localWindow): allowed 1...\(Self.maximumSpan)")
        }
        // Syntax only here; edges past the longest context length are checked in `layout`.
        if distanceBins != "log" { _ = try edges(distanceBins, flag: "--distance-bins", maximumLength: .max) }
        if !["log", "none"].contains(queryBins) { _ = try edges(queryBins, flag: "--query-bins", maximumLength: .max) }
    }

    /// The layout for windows up to `maximumLength` tokens (bins must start below it).
    func layout(maximumLength: Int) throws -> AttentionProfileLayout {
        let distance = try edges(distanceBins, flag: "--distance-bins", maximumLength: maximumLength)
        let query = try edges(queryBins, flag: "--query-bins", maximumLength: maximumLength)
        guard let layout = try? AttentionProfileLayout(distanceEdges: distance, sinkTokens: sinkTokens, localWindow: localWindow,
                                                       queryEdges: query) else {
            throw ValidationError("invalid attention profile bins: allowed ascending edges from 0")
        }
        return layout
    }

    /// `log`, `none` (query bins only) or comma-separated ascending lower edges from 0, each below
    /// `maximumLength` (k suffix allowed).
    private func edges(_ text: String, flag: String, maximumLength: Int) throws -> [Int] {
        switch text {
        case "log": return AttentionProfileLayout.logDistanceEdges(maximumLength: maximumLength)
        case "none" where flag == "--query-bins": return [0]
        default: break
        }
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { parseGridLength(String($0)) }
        guard let values = items as? [Int], values.first == 0, zip(values, values.dropFirst()).allSatisfy({ $0 < $1 }),
              let last = values.last, last < maximumLength || values.count == 1 else {
            let allowed = flag == "--query-bins" ? "none, log, or" : "log, or"
            throw ValidationError("invalid \(flag) '\(text)': allowed \(allowed) ascending comma-separated lower edges starting at 0 "
                + "and below the longest context length \(maximumLength)")
        }
        return values
    }
}
