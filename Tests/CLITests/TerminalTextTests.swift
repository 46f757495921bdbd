@testable import ropescope
import XCTest

/// The one escaping function for terminal output: every control class is rewritten, nothing else.
final class TerminalTextTests: XCTestCase {
    func testControlClassesAreEscaped() {
        XCTAssertEqual(TerminalText.escaped("\u{1b}]0;pwned\u{07}"), "\\u{1B}]0;pwned\\u{7}")
        XCTAssertEqual(TerminalText.escaped("\u{1b}[2J"), "\\u{1B}[2J")
        XCTAssertEqual(TerminalText.escaped("a\nb\tc\r\u{0}"), "a\\u{A}b\\u{9}c\\u{D}\\u{0}")
        XCTAssertEqual(TerminalText.escaped("del\u{7f} c1\u{85}\u{9b}\u{9d}"), "del\\u{7F} c1\\u{85}\\u{9B}\\u{9D}")
        XCTAssertEqual(TerminalText.escaped("\u{202e}evil\u{202c}\u{2066}\u{2069}\u{200f}\u{61c}\u{2028}"),
                       "\\u{202E}evil\\u{202C}\\u{2066}\\u{2069}\\u{200F}\\u{61C}\\u{2028}")
        // A literal backslash is doubled, so "\u{1B}" typed in a file cannot pass for an escape.
        XCTAssertEqual(TerminalText.escaped("\\u{1B}"), "\\\\u{1B}")
    }

    func testOrdinaryTextIsKept() {
        for text in ["", "llama.rope.freq_base", "Ġhello", "naïve 東京 🦙", "blk.0.attn_q.weight", "\u{a0}\u{ff}"] {
            XCTAssertEqual(TerminalText.escaped(text), text)
        }
    }
}
