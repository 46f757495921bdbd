/// Root-mean-square normalisation with a learned gain (llama `RMSNorm`, ggml `rms_norm` + mul).
enum RMSNorm {
    /// ```
    /// y[r, i] = x[r, i] / sqrt(mean_i(x[r, i]²) + ε) · w[i]
    /// ```
    /// The mean of squares is accumulated in Double (as ggml does); the rest in Float.
    /// `x`, `y`: [rows, width] (may alias); `weight`: [width].
    static func apply(_ x: UnsafePointer<Float>, rows: Int, width: Int, weight: [Float],
                      epsilon: Float, into y: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { gain in
            for row in 0..<rows {
                let input = x + row * width
                let output = y + row * width
                var sumOfSquares: Double = 0
                for i in 0..<width {
                    let value = Double(input[i])
                    sumOfSquares += value * value
                }
                let scale = Float(1 / (sumOfSquares / Double(width) + Double(epsilon)).squareRoot())
                for i in 0..<width {
                    output[i] = input[i] * scale * gain[i]
                }
            }
        }
    }
}
