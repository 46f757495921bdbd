import CFFTW3
import Foundation

/// FFTW "wisdom": the plans FFTW has measured, as text, so a `.measure` cache can skip its
/// timing runs in a later process. Wisdom is specific to the machine and FFTW build; keep it in a
/// user cache, never in the repository. All calls are serialised with the planner lock.
public enum FFTWisdom {
    /// All accumulated double-precision wisdom as FFTW's text format.
    public static func exportedText() -> String {
        FFTPlanCache.plannerLock.withLock { _ in
            guard let text = fftw_export_wisdom_to_string() else { return "" }
            defer { free(text) }
            return String(cString: text)
        }
    }

    /// Merges wisdom `text` (from `exportedText()`) into FFTW's store. Returns false when FFTW
    /// rejects the text; plans already cached are unaffected.
    @discardableResult
    public static func importText(_ text: String) -> Bool {
        FFTPlanCache.plannerLock.withLock { _ in fftw_import_wisdom_from_string(text) != 0 }
    }

    /// Forgets all accumulated wisdom (cached plans keep working).
    public static func forget() {
        FFTPlanCache.plannerLock.withLock { _ in fftw_forget_wisdom() }
    }
}
