import Foundation

/// One line of a plot.
public struct PlotSeries: Sendable {
    public var label: String
    /// x and y, same count; non-finite points break the line.
    public var x: [Double]
    public var y: [Double]
    /// CSS colour.
    public var color: String
    /// SVG stroke-dasharray ("" solid), so lines stay apart in grey print.
    public var dash: String
    public var width: Double

    public init(label: String, x: [Double], y: [Double], color: String, dash: String = "", width: Double = 2) {
        self.label = label
        self.x = x
        self.y = y
        self.color = color
        self.dash = dash
        self.width = width
    }
}

/// A reference line across the plot at x = value (vertical) or y = value (horizontal), labelled.
public struct PlotMarker: Sendable {
    public enum Direction: Sendable { case vertical, horizontal }
    public var direction: Direction
    public var value: Double
    public var label: String

    public init(_ direction: Direction, at value: Double, label: String) {
        self.direction = direction
        self.value = value
        self.label = label
    }
}

/// A line plot as standalone inline SVG: title, axes with ticks, labels and units, legend,
/// reference markers, and a text alternative (`<title>`, `<desc>`, `role="img"`, `aria-labelledby`).
public struct LinePlot: Sendable {
    public var id: String
    public var title: String
    /// Text alternative: what the figure shows and what to read from it.
    public var description: String
    public var xAxis: PlotAxis
    public var yAxis: PlotAxis
    public var series: [PlotSeries]
    public var markers: [PlotMarker]
    public var width = 760.0
    public var height = 420.0

    public init(id: String, title: String, description: String, xAxis: PlotAxis, yAxis: PlotAxis,
                series: [PlotSeries], markers: [PlotMarker] = []) {
        self.id = id
        self.title = title
        self.description = description
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.series = series
        self.markers = markers
    }

    /// Okabe–Ito colours (distinguishable with colour-vision deficiencies) and dash patterns.
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999", "#000000"]
    public static let dashes = ["", "8 4", "2 3", "10 3 2 3", "5 5", "1 2", "12 4 4 4", "3 6"]

    public func svg() -> String {
        let legendRows = series.count
        let legendHeight = Double(legendRows) * 18 + 8
        let totalHeight = height + legendHeight
        let (left, right, top, bottom) = (78.0, width - 24, 40.0, height - 58)
        let xs = series.flatMap(\.x) + markers.filter { $0.direction == .vertical }.map(\.value)
        let ys = series.flatMap(\.y) + markers.filter { $0.direction == .horizontal }.map(\.value)
        let xRange = xAxis.resolvedRange(xs), yRange = yAxis.resolvedRange(ys)
        func px(_ x: Double) -> Double { left + xAxis.fraction(x, in: xRange) * (right - left) }
        func py(_ y: Double) -> Double { bottom - yAxis.fraction(y, in: yRange) * (bottom - top) }
        var out = SVG.open(id: id, width: width, height: totalHeight, title: title, description: description)
        out += "<rect x=\"0\" y=\"0\" width=\"\(SVG.c(width))\" height=\"\(SVG.c(totalHeight))\" fill=\"#ffffff\"/>\n"
        out += SVG.text(title, x: width / 2, y: 22, anchor: "middle", size: 15, weight: "bold")
        // Grid and ticks.
        for tick in xAxis.ticks(xRange) {
            let x = px(tick)
            out += SVG.line(x, top, x, bottom, stroke: "#e3e3e3")
            out += SVG.line(x, bottom, x, bottom + 5, stroke: "#333333")
            out += SVG.text(Markup.compact(tick), x: x, y: bottom + 19, anchor: "middle", size: 11)
        }
        for tick in yAxis.ticks(yRange) {
            let y = py(tick)
            out += SVG.line(left, y, right, y, stroke: "#e3e3e3")
            out += SVG.line(left - 5, y, left, y, stroke: "#333333")
            out += SVG.text(Markup.compact(tick), x: left - 8, y: y + 4, anchor: "end", size: 11)
        }
        out += "<rect x=\"\(SVG.c(left))\" y=\"\(SVG.c(top))\" width=\"\(SVG.c(right - left))\" height=\"\(SVG.c(bottom - top))\" "
            + "fill=\"none\" stroke=\"#333333\"/>\n"
        out += SVG.text(xAxis.label, x: (left + right) / 2, y: bottom + 40, anchor: "middle", size: 12)
        out += "<text x=\"16\" y=\"\(SVG.c((top + bottom) / 2))\" text-anchor=\"middle\" font-size=\"12\" "
            + "transform=\"rotate(-90 16 \(SVG.c((top + bottom) / 2)))\">\(Markup.escape(yAxis.label))</text>\n"
        // Markers; horizontal labels alternate right and left so neighbours do not overlap.
        var horizontalCount = 0
        for marker in markers {
            switch marker.direction {
            case .vertical:
                let x = px(marker.value)
                out += SVG.line(x, top, x, bottom, stroke: "#444444", dash: "6 3", width: 1.2)
                out += SVG.text(marker.label, x: x + 4, y: top + 12, anchor: "start", size: 11, fill: "#222222")
            case .horizontal:
                let y = py(marker.value)
                out += SVG.line(left, y, right, y, stroke: "#444444", dash: "6 3", width: 1.2)
                let onLeft = horizontalCount % 2 == 1
                horizontalCount += 1
                out += SVG.text(marker.label, x: onLeft ? left + 4 : right - 4, y: y - 4, anchor: onLeft ? "start" : "end",
                                size: 11, fill: "#222222")
            }
        }
        // Series, clipped to the plot area.
        out += "<clipPath id=\"\(id)-clip\"><rect x=\"\(SVG.c(left))\" y=\"\(SVG.c(top))\" width=\"\(SVG.c(right - left))\" "
            + "height=\"\(SVG.c(bottom - top))\"/></clipPath>\n<g clip-path=\"url(#\(id)-clip)\">\n"
        for line in series {
            var path = "", pen = false
            for (x, y) in zip(line.x, line.y) {
                guard x.isFinite, y.isFinite, xAxis.scale == .linear || x > 0, yAxis.scale == .linear || y > 0 else { pen = false; continue }
                path += (pen ? "L" : "M") + SVG.c(px(x)) + " " + SVG.c(py(y)) + " "
                pen = true
            }
            guard !path.isEmpty else { continue }
            out += "<path d=\"\(path.trimmingCharacters(in: .whitespaces))\" fill=\"none\" stroke=\"\(line.color)\" "
                + "stroke-width=\"\(SVG.c(line.width))\"" + (line.dash.isEmpty ? "" : " stroke-dasharray=\"\(line.dash)\"")
                + " stroke-linejoin=\"round\"/>\n"
        }
        out += "</g>\n"
        // Legend below the axis title.
        for (index, line) in series.enumerated() {
            let y = height + Double(index) * 18 + 4
            out += SVG.line(left, y, left + 34, y, stroke: line.color, dash: line.dash, width: line.width)
            out += SVG.text(line.label, x: left + 42, y: y + 4, anchor: "start", size: 12)
        }
        return out + "</svg>"
    }
}

/// SVG element helpers.
enum SVG {
    static func c(_ value: Double) -> String { Markup.coordinate(value) }

    static func open(id: String, width: Double, height: Double, title: String, description: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(id)\" class=\"figure-svg\" role=\"img\" "
            + "aria-labelledby=\"\(id)-title \(id)-desc\" viewBox=\"0 0 \(c(width)) \(c(height))\" width=\"\(c(width))\" "
            + "height=\"\(c(height))\" font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\">\n"
            + "<title id=\"\(id)-title\">\(Markup.escape(title))</title>\n<desc id=\"\(id)-desc\">\(Markup.escape(description))</desc>\n"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, dash: String = "",
                     width: Double = 1) -> String {
        "<line x1=\"\(c(x1))\" y1=\"\(c(y1))\" x2=\"\(c(x2))\" y2=\"\(c(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(c(width))\""
            + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + "/>\n"
    }

    static func text(_ text: String, x: Double, y: Double, anchor: String, size: Double, weight: String = "normal",
                     fill: String = "#111111") -> String {
        "<text x=\"\(c(x))\" y=\"\(c(y))\" text-anchor=\"\(anchor)\" font-size=\"\(c(size))\" font-weight=\"\(weight)\" "
            + "fill=\"\(fill)\">\(Markup.escape(text))</text>\n"
    }
}
