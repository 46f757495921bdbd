import Analyzers
import ArgumentParser
import Foundation
import TensorArchive

/// Writes one HDF5 output atomically with provenance attributes; failures exit 74 and leave no
/// file under the requested name (TensorArchive writes to a temporary file and renames on commit).
/// Temporary files that killed runs left beside the same target are deleted, with a note.
enum Export {
    static func write(path: String, configurationJSON: String, _ body: (ArchiveWriter) throws -> Void) throws {
        do {
            let writer = try ArchiveWriter(path: path)
            for stale in writer.removedStaleTemporaries {
                FileHandle.standardError.write(Data("note: removed '\(stale)', left by a run that was killed\n".utf8))
            }
            do {
                try writer.setProvenance(
                    toolVersion: ToolInfo.version, commandLine: CommandLine.arguments, configurationJSON: configurationJSON)
                try body(writer)
                try writer.commit()
            } catch {
                writer.discard()
                throw error
            }
        } catch let error as TensorArchiveError {
            throw Failure.writeFailed("could not write '\(path)': \(error)")
        }
    }

    /// The single-row sweep layout used by `rope`, `coverage`, `spectrum` and `conditioning`;
    /// `spectra`/`conditioning`, when given, hold both regimes (causal, bidirectional).
    static func writeSingle(
        path: String, spec: String, coverage: CoverageAnalysis, spectra: [RegimeSpectrum]? = nil,
        conditioning: [ConditioningComparison]? = nil
    ) throws {
        let setup = coverage.table.setup
        let row = SweepRow(index: 0, spec: setup.scaling.canonicalSpec, method: setup.scaling.method,
                           factor: setup.scaling.factor, setup: setup)
        let configuration: [String: Any] = [
            "spec": spec, "canonical_spec": row.spec, "rotary_dimension": setup.geometry.rotaryDimension,
            "base": setup.geometry.base, "train_length": setup.trainLength, "target_length": setup.targetLength,
        ]
        try write(path: path, configurationJSON: json(configuration)) { writer in
            try AnalysisArchive.writeRows(
                [SweepRowResult(row: row, coverage: coverage, spectra: spectra, conditioning: conditioning)], to: writer)
        }
    }

    static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
