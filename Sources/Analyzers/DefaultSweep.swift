import Foundation

/// The embedded default sweep (identical to experiments/smollm2-135m-sweep.json, checked by a
/// test), so `ropescope sweep` with no configuration runs without any file.
public enum DefaultSweep {
    /// Path label used in messages about the embedded configuration.
    public static let label = "<embedded smollm2-135m-sweep>"

    /// The JSON text of experiments/smollm2-135m-sweep.json.
    public static let json = #"""
{
  "name": "smollm2-135m-sweep",
  "description": "SmolLM2-135M (d=64, b=100000, T_train=8192): every scaling method from 16K to 128K, causal vs bidirectional. The default sweep of scripts/run-default.sh and the geometry the probes use.",
  "preset": "smollm2-135m",
  "target_lengths": [16384, 32768, 65536, 131072],
  "methods": [
    {"spec": "none"},
    {"spec": "linear", "factor_from_length": true},
    {"spec": "ntk", "factor_from_length": true},
    {"spec": "dynamic-ntk", "factor_from_length": true},
    {"spec": "yarn", "factors": [2, 4, 8, 16]},
    {"spec": "yarn:variant=llamacpp", "factor_from_length": true},
    {"spec": "llama3:low-freq-factor=1,high-freq-factor=4", "factor_from_length": true},
    {"spec": "critical-ntk"},
    {"spec": "critical-ntk:round-up=true"},
    {"spec": "diffusion-ntk"}
  ],
  "spectrum": {"length": 8192, "window": "hann", "padding_factor": 2},
  "conditioning": {"length": 8192}
}
"""#

    /// The decoded default configuration.
    public static func configuration() throws -> SweepConfiguration {
        try SweepConfiguration.decode(Data(json.utf8), path: label)
    }
}
