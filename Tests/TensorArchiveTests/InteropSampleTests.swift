import Foundation
import XCTest

@testable import TensorArchive

/// Writes the sample that `Tests/python/test_tensorarchive_interop.py` opens with xarray
/// (h5netcdf), h5py and netCDF4. Keep the two files in step: the Python test recomputes every
/// value below from the same formulas.
///
/// Output: `$ROPESCOPE_ARTIFACT_DIR/tensorarchive_sample.h5` when the variable is set, else a
/// temporary directory (the Swift-side checks still run).
final class InteropSampleTests: XCTestCase {
    static let sampleName = "tensorarchive_sample.h5"

    func testWritesInteropSample() throws {
        let directory: URL
        if let artifacts = ProcessInfo.processInfo.environment["ROPESCOPE_ARTIFACT_DIR"], !artifacts.isEmpty {
            directory = URL(fileURLWithPath: artifacts)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } else {
            let temporary = try makeTemporaryDirectory("tensorarchive-sample")
            addTeardownBlock { try? FileManager.default.removeItem(at: temporary) }
            directory = temporary
        }
        let path = directory.appendingPathComponent(Self.sampleName).path
        try Self.writeSample(to: path)

        let reader = try ArchiveReader(path: path)
        XCTAssertEqual(try reader.groups(), ["sweep"])
        XCTAssertEqual(try reader.groups(in: "/sweep"), ["details"])
        XCTAssertEqual(try reader.readDoubles("/nll"), (0..<12).map { Double($0) * 0.125 })
        XCTAssertEqual(try reader.readStrings("/sweep/method"), ["none", "linear(factor=4)", "yarn(factor=4, β=32)"])
        for group in ["/", "/sweep", "/sweep/details"] {
            for variable in try reader.variables(in: group) {
                XCTAssertFalse(variable.dimensions.contains(""), "\(variable.path) has an axis without a scale")
            }
        }
        print("interop sample written to \(path)")
    }

    /// The sample. Root: coordinate `position` (6), dimension `pair` (4, no values), unlimited
    /// `token`; group `sweep` with string labels and a string coordinate `model`; group
    /// `sweep/details` with a dotted hook name, compression and its own query/key dimensions (not
    /// named like a root dimension: a datatree would reject a child `position` of another length).
    static func writeSample(to path: String) throws {
        let writer = try ArchiveWriter(path: path)
        try writer.setProvenance(
            toolVersion: "0.0.0-test", commandLine: ["ropescope", "sample", "--factor", "4"],
            configurationJSON: #"{"model":"tiny","factor":4.0}"#)
        try writer.setAttribute("title", "TensorArchive interop sample ✓")
        try writer.setAttribute("schema_version", .int32(1))
        try writer.setAttribute("seed", .int64(1234))
        try writer.setAttribute("scale", .double(0.5))
        try writer.setAttribute("factors", .doubleArray([1, 2, 4]))
        try writer.setAttribute("window_sizes", .intArray([128, 256]))

        try writer.writeCoordinate("position", values: .ints(Array(0..<6)), units: "tokens", longName: "token position")
        try writer.defineDimension("pair", length: 4)
        try writer.writeVariable(
            "inverse_frequency", dimensions: ["pair"], values: .float64([1, 0.1, 0.01, 0.001]),
            units: "rad/token", longName: "inverse frequency theta_i")
        // rotations[p, j] = 0.25 * (4 p + j)
        try writer.writeVariable(
            "rotations", dimensions: ["position", "pair"], values: .float32((0..<24).map { Float($0) * 0.25 }),
            units: "rad", longName: "rotation angle", attributes: ["formula": "0.25 * (4 * position + pair)"])
        try writer.writeVariable("mask", dimensions: ["position"], values: .mask([true, false, true, false, true, false]), units: "1", longName: "even positions")
        try writer.writeVariable("counts", dimensions: ["pair"], values: .int32([1, 2, 3, 4]), units: "1", longName: "counts per pair")

        // nll[t] = 0.125 t, appended in slabs of 4, 3 and 5; hook[t, j] = t + j / 10.
        try writer.defineUnlimitedDimension("token")
        let nll = try writer.makeAppendable("nll", dimensions: ["token"], type: .float64, units: "nats", longName: "per-token negative log-likelihood")
        let hook = try writer.makeAppendable(
            "blocks.0.hook_resid_post", dimensions: ["token", "pair"], type: .float32, units: "1", longName: "residual stream after block 0")
        var start = 0
        for slab in [4, 3, 5] {
            let tokens = start..<(start + slab)
            try nll.append(.float64(tokens.map { Double($0) * 0.125 }))
            let rows: [[Float]] = tokens.map { t in (0..<4).map { j in Float(t) + Float(j) / 10 } }
            try hook.append(.float32(rows.flatMap { $0 }))
            start += slab
        }

        let sweep = try writer.group("sweep")
        try sweep.setAttribute("description", "one row per RoPE method")
        try sweep.writeCoordinate("row", values: .ints([0, 1, 2]), units: "1", longName: "sweep row")
        try sweep.writeVariable(
            "method", dimensions: ["row"], values: .strings(["none", "linear(factor=4)", "yarn(factor=4, β=32)"]),
            units: "1", longName: "RoPE method spec")
        try sweep.writeVariable("max_error", dimensions: ["row"], values: .float64([0, 0.5, 0.25]), units: "rad", longName: "max angle error")
        try sweep.writeCoordinate("model", values: .strings(["tiny", "llama-3.2-1b ✓"]), units: "1", longName: "model name")
        try sweep.writeVariable("parameters", dimensions: ["model"], values: .float64([1e6, 1.2e9]), units: "1", longName: "parameter count")

        // hook_pattern[h, q, k] = h + q / 10 + k / 100 (float32), stored compressed.
        let details = try sweep.group("details")
        try details.defineDimension("head", length: 2)
        try details.writeCoordinate("query_position", values: .ints([10, 11, 12]), units: "tokens", longName: "query position")
        try details.writeCoordinate("key_position", values: .ints([10, 11, 12]), units: "tokens", longName: "key position")
        var pattern: [Float] = []
        for h in 0..<2 {
            for q in 0..<3 {
                for k in 0..<3 {
                    let head = Float(h), query = Float(q) / 10, key = Float(k) / 100
                    pattern.append(head + query + key)
                }
            }
        }
        try details.writeVariable(
            "blocks.3.attn.hook_pattern", dimensions: ["head", "query_position", "key_position"], values: .float32(pattern),
            units: "1", longName: "attention probabilities", attributes: ["hook": "blocks.3.attn.hook_pattern"],
            storage: .compressed(level: 4))
        try writer.commit()
    }
}
