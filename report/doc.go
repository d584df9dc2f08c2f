// Package report turns analysis results into pictures and pages: charts of a
// run (throughput with the inferred limit, load, response times, Retry-After,
// response codes), before/after overlays, and a self-contained report
// (index.html, report.md, summary.json).
//
// The package works in two steps. Figures builds a Figure for each chart: a
// plain description of what to draw (titles, axis labels, lines already
// downsampled for drawing, limit lines, bands, markers) that tests compare
// with golden files. Figure.Render then draws it with gonum/plot as PNG or
// SVG. Long runs never put millions of points into a plot: every series is
// reduced to at most two points per pixel column, keeping the minimum and
// maximum of each column so that peaks survive (see MinMaxPerColumn).
//
// Colours come from the Okabe-Ito palette, which stays distinguishable for
// the common forms of colour blindness; the time axis counts seconds from
// the start of each run, so that before and after share one axis.
package report
