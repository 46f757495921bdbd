import Foundation

/// A heatmap as standalone inline SVG: labelled rows × numbered columns, a diverging colour scale
/// with a colour bar, cells without a value drawn as a hatched-grey "not applicable" class, column
/// markers (e.g. the critical pair) and a text alternative.
public struct Heatmap: Sendable {
    public var id: String
    public var title: String
    public var description: String
    /// Row labels, top to bottom.
    public var rows: [String]
    /// Column axis title with unit ("pair index i").
    public var columnLabel: String
    /// values[row][column]; nil = not applicable (legend entry `missingLabel`).
    public var values: [[Double?]]
    /// Colour-bar title with unit.
    public var scaleLabel: String
    /// Values are clamped to this range; the colour is diverging about `centre`.
    public var range: ClosedRange<Double>
    public var centre: Double
    public var missingLabel: String
    /// Columns to mark with a vertical line and a label.
    public var columnMarkers: [(column: Int, label: String)]
    /// Labels of the colour-bar ends (what low and high mean).
    public var lowMeaning: String
    public var highMeaning: String
    public var width = 760.0

    public init(id: String, title: String, description: String, rows: [String], columnLabel: String, values: [[Double?]],
                scaleLabel: String, range: ClosedRange<Double>, centre: Double, missingLabel: String,
                columnMarkers: [(column: Int, label: String)], lowMeaning: String, highMeaning: String) {
        self.id = id
        self.title = title
        self.description = description
        self.rows = rows
        self.columnLabel = columnLabel
        self.values = values
        self.scaleLabel = scaleLabel
        self.range = range
        self.centre = centre
        self.missingLabel = missingLabel
        self.columnMarkers = columnMarkers
        self.lowMeaning = lowMeaning
        self.highMeaning = highMeaning
    }

    /// Blue (low) – white (centre) – red (high), as "#rrggbb".
    public func color(_ value: Double) -> String {
        let v = min(max(value, range.lowerBound), range.upperBound)
        let t: Double
        let (low, high): ((Double, Double, Double), (Double, Double, Double))
        if v >= centre {
            t = range.upperBound > centre ? (v - centre) / (range.upperBound - centre) : 0
            (low, high) = ((247, 247, 247), (178, 24, 43))
        } else {
            t = centre > range.lowerBound ? (centre - v) / (centre - range.lowerBound) : 0
            (low, high) = ((247, 247, 247), (33, 102, 172))
        }
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * t).rounded()) }
        return String(format: "#%02x%02x%02x", mix(low.0, high.0), mix(low.1, high.1), mix(low.2, high.2))
    }

    public func svg() -> String {
        let columns = values.map(\.count).max() ?? 0
        let labelWidth = min(230.0, Double((rows.map(\.count).max() ?? 4)) * 7 + 16)
        let (left, right, top) = (labelWidth + 10, width - 24, 52.0)
        let rowHeight = 22.0
        let bottom = top + rowHeight * Double(rows.count)
        let height = bottom + 118
        let cellWidth = columns > 0 ? (right - left) / Double(columns) : 0
        var out = SVG.open(id: id, width: width, height: height, title: title, description: description)
        out += "<defs><pattern id=\"\(id)-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
            + "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#d9d9d9\"/>"
            + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b0b0b0\" stroke-width=\"2\"/></pattern></defs>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(SVG.c(width))\" height=\"\(SVG.c(height))\" fill=\"#ffffff\"/>\n"
        out += SVG.text(title, x: width / 2, y: 22, anchor: "middle", size: 15, weight: "bold")
        for (r, label) in rows.enumerated() {
            let y = top + Double(r) * rowHeight
            out += SVG.text(label, x: left - 8, y: y + rowHeight / 2 + 4, anchor: "end", size: 12)
            for (column, value) in values[r].enumerated() {
                let fill = value.map(color) ?? "url(#\(id)-hatch)"
                out += "<rect x=\"\(SVG.c(left + Double(column) * cellWidth))\" y=\"\(SVG.c(y))\" width=\"\(SVG.c(cellWidth + 0.3))\" "
                    + "height=\"\(SVG.c(rowHeight - 2))\" fill=\"\(fill)\"/>\n"
            }
        }
        out += "<rect x=\"\(SVG.c(left))\" y=\"\(SVG.c(top))\" width=\"\(SVG.c(right - left))\" height=\"\(SVG.c(bottom - top))\" "
            + "fill=\"none\" stroke=\"#333333\"/>\n"
        let step = max(1, Int(PlotAxis.niceStep(Double(columns) / 8)))
        for column in stride(from: 0, to: columns, by: step) {
            let x = left + (Double(column) + 0.5) * cellWidth
            out += SVG.line(x, bottom, x, bottom + 5, stroke: "#333333")
            out += SVG.text("\(column)", x: x, y: bottom + 18, anchor: "middle", size: 11)
        }
        out += SVG.text(columnLabel, x: (left + right) / 2, y: bottom + 36, anchor: "middle", size: 12)
        for marker in columnMarkers where marker.column >= 0 && marker.column < columns {
            let x = left + Double(marker.column) * cellWidth
            out += SVG.line(x, top - 8, x, bottom + 2, stroke: "#000000", dash: "4 2", width: 2)
            out += SVG.text(marker.label, x: x, y: top - 12, anchor: "middle", size: 11)
        }
        // Colour bar and the not-applicable swatch.
        let barTop = bottom + 52, barLeft = left, barWidth = min(360, right - left - 200)
        let stops = 24
        for k in 0..<stops {
            let v = range.lowerBound + (range.upperBound - range.lowerBound) * (Double(k) + 0.5) / Double(stops)
            out += "<rect x=\"\(SVG.c(barLeft + Double(k) * barWidth / Double(stops)))\" y=\"\(SVG.c(barTop))\" "
                + "width=\"\(SVG.c(barWidth / Double(stops) + 0.3))\" height=\"12\" fill=\"\(color(v))\"/>\n"
        }
        out += "<rect x=\"\(SVG.c(barLeft))\" y=\"\(SVG.c(barTop))\" width=\"\(SVG.c(barWidth))\" height=\"12\" fill=\"none\" stroke=\"#333333\"/>\n"
        for v in [range.lowerBound, centre, range.upperBound] {
            let x = barLeft + (v - range.lowerBound) / (range.upperBound - range.lowerBound) * barWidth
            out += SVG.line(x, barTop + 12, x, barTop + 16, stroke: "#333333")
            out += SVG.text(Markup.number(v, digits: 3), x: x, y: barTop + 28, anchor: "middle", size: 11)
        }
        out += SVG.text(scaleLabel, x: barLeft, y: barTop - 6, anchor: "start", size: 12)
        out += SVG.text(lowMeaning, x: barLeft, y: barTop + 44, anchor: "start", size: 11, fill: "#215f9a")
        out += SVG.text(highMeaning, x: barLeft + barWidth, y: barTop + 44, anchor: "end", size: 11, fill: "#8b1a2b")
        let swatch = barLeft + barWidth + 24
        out += "<rect x=\"\(SVG.c(swatch))\" y=\"\(SVG.c(barTop))\" width=\"18\" height=\"12\" fill=\"url(#\(id)-hatch)\" stroke=\"#333333\"/>\n"
        out += SVG.text(missingLabel, x: swatch + 24, y: barTop + 10, anchor: "start", size: 11)
        return out + "</svg>"
    }
}
