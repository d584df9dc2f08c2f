package report

import (
	"fmt"
	"image/color"
)

// The Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008): eight
// colours that stay distinct for protanopes, deuteranopes and tritanopes.
const (
	Black         = "#000000"
	Orange        = "#E69F00"
	SkyBlue       = "#56B4E9"
	BluishGreen   = "#009E73"
	Yellow        = "#F0E442"
	Blue          = "#0072B2"
	Vermillion    = "#D55E00"
	ReddishPurple = "#CC79A7"
	// Grey is not part of Okabe-Ito; it is used only for bands and grids.
	Grey = "#999999"
)

// Colours of the quantities, the same in every chart.
const (
	ColourAccepted  = BluishGreen
	ColourThrottled = Vermillion
	ColourErrors    = ReddishPurple
	ColourLimit     = Black
	ColourOffered   = Blue
	ColourThreads   = Orange
	ColourInFlight  = SkyBlue
	ColourP50       = Blue
	ColourP90       = Orange
	ColourP99       = ReddishPurple
	ColourWindowAvg = Blue
)

// parseColour converts "#RRGGBB" to a colour with the given opacity (0..1).
func parseColour(hex string, opacity float64) (color.NRGBA, error) {
	var r, g, b uint8
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil || len(hex) != 7 {
		return color.NRGBA{}, fmt.Errorf("report: bad colour %q (want #RRGGBB)", hex)
	}
	if opacity <= 0 || opacity > 1 {
		opacity = 1
	}
	return color.NRGBA{R: r, G: g, B: b, A: uint8(opacity*255 + 0.5)}, nil
}
