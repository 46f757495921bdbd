import CBLAS
import CSystemInfo
import Foundation

/// Facts about the OpenBLAS this process loaded (read-only; safe from any thread).
public enum BLASLibrary {
    /// The kernel OpenBLAS runs (`openblas_get_corename()`), e.g. "Haswell", "Zen", "Prescott".
    public static var corename: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// The build description (`openblas_get_config()`), e.g.
    /// "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64".
    public static var configuration: String {
        openblas_get_config().map { String(cString: $0) } ?? ""
    }

    /// The version number from `configuration` ("0.3.21"), or nil.
    public static var version: String? {
        let words = configuration.split(separator: " ")
        guard words.count >= 2, words[0] == "OpenBLAS" else { return nil }
        return String(words[1])
    }

    /// True when OpenBLAS carries several kernels and reads `OPENBLAS_CORETYPE` (`DYNAMIC_ARCH`).
    public static var isDynamicArch: Bool { configuration.split(separator: " ").contains("DYNAMIC_ARCH") }

    /// The file the OpenBLAS code of this process was loaded from (`dladdr` of
    /// `openblas_get_corename`, symlinks resolved), or nil.
    public static var path: String? {
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "openblas_get_corename") else { return nil }
        guard let name = ropescope_object_path(symbol) else { return nil }
        return URL(fileURLWithPath: String(cString: name)).resolvingSymlinksInPath().path
    }
}
