import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Report

/// Escaping, ticks and colours of the report writer (the browser test checks the rendering).
final class ReportMarkupTests: XCTestCase {
    func testEscapeMakesTextSafeForXMLAndHTML() {
        XCTAssertEqual(Markup.escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        XCTAssertEqual(Markup.escape("x\u{1}y\u{7F}z"), "xyz", "control characters are not XML")
        XCTAssertEqual(Markup.escape("θ′ Δ ≥ 2π"), "θ′ Δ ≥ 2π")
    }

    func testLogTicksAreWholeDecades() {
        let axis = PlotAxis(label: "λ", scale: .log10)
        let range = axis.resolvedRange([3.2, 4_500_000])
        XCTAssertEqual(range.lowerBound, 1)
        XCTAssertEqual(range.upperBound, 1e7)
        XCTAssertEqual(axis.ticks(range), [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7])
        XCTAssertEqual(axis.ticks(1...1e12).count, 7, "every other decade past 8 decades")
        XCTAssertEqual(["1", "10", "1k", "25k", "1M", "1e10"], [1, 10, 1000, 25000, 1e6, 1e10].map(Markup.compact))
    }

    func testLinearTicksAreOneTwoFiveSteps() {
        let axis = PlotAxis(label: "x")
        let range = axis.resolvedRange([0.3, 63])
        XCTAssertEqual(range.lowerBound, 0)
        // (63 − 0.3)/5 = 12.5 → step 20 (the next of 1, 2, 5 × 10^k), range widened to whole steps.
        XCTAssertEqual(range.upperBound, 80)
        XCTAssertEqual(axis.ticks(range), [0, 20, 40, 60, 80])
        XCTAssertEqual(PlotAxis.niceStep(0.13), 0.2, accuracy: 1e-15)
    }

    func testHeatmapColoursDivergeAboutTheCentre() {
        let map = Heatmap(id: "h", title: "t", description: "d", rows: ["a"], columnLabel: "i", values: [[0]], scaleLabel: "s",
                          range: -3...3, centre: 0, missingLabel: "m", columnMarkers: [], lowMeaning: "l", highMeaning: "h")
        XCTAssertEqual(map.color(0), "#f7f7f7")
        XCTAssertEqual(map.color(3), "#b2182b")
        XCTAssertEqual(map.color(-30), "#2166ac", "clamped")
    }

    /// Every figure is well-formed XML with its text alternative.
    func testFiguresAreWellFormedXML() throws {
        let plot = LinePlot(id: "fig-x", title: "A <title>", description: "what & why",
                            xAxis: PlotAxis(label: "x (tokens)"), yAxis: PlotAxis(label: "y", scale: .log10),
                            series: [PlotSeries(label: "s & t", x: [0, 1, 2, .nan, 4], y: [1, 10, 100, 5, 0], color: "#000000")],
                            markers: [PlotMarker(.vertical, at: 1, label: "T < T'")])
        for svg in [plot.svg()] {
            let parser = XMLParser(data: Data(svg.utf8))
            XCTAssert(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")\n\(svg.prefix(400))")
            XCTAssert(svg.contains("<title id=\"fig-x-title\">A &lt;title&gt;</title>"))
            XCTAssert(svg.contains("aria-labelledby=\"fig-x-title fig-x-desc\""))
        }
    }
}
