/// The empirical checks of issue §2.
///
/// `perplexity-at-target` and `late-window-nll` run on the probe engine (`EmpiricalRunner`);
/// `passkey` and `attention-local-mass` on the passkey and attention-profile probes
/// (`ProbeChecks`). A probe plugs in by returning a `CheckResult` with one of these names.
public enum EmpiricalChecks {
    /// Names in output order.
    public static let names = ["perplexity-at-target", "late-window-nll", "passkey", "attention-local-mass"]

    /// Checks without a probe in this build.
    public static let unavailable: Set<String> = []

    /// Unit of each empirical check's value.
    static func unit(_ name: String) -> String {
        name == "passkey" ? "nats" : (name == "attention-local-mass" ? "probability" : "nats/token")
    }

    static func source(_ name: String) -> String {
        switch name {
        case "perplexity-at-target": return "mean NLL of the score protocol (chain-rule) or masked-diffusion bound, Probes"
        case "late-window-nll": return "NLL by window position (PerplexityGridRunner per-token values)"
        case "passkey": return ProbeChecks.passkeySource
        default: return ProbeChecks.localMassSource
        }
    }

    /// Every empirical check skipped with `reason` (probes not available keep their own reason).
    public static func skipped(reason: String) -> [CheckResult] {
        names.map { name in
            CheckResult.skipped(name, kind: .empirical, unit: unit(name),
                                reason: unavailable.contains(name) ? "skipped: probe not available" : "skipped: \(reason)",
                                source: source(name))
        }
    }
}
