package report

import (
	"fmt"
	"io"
	"strings"
)

// mdText escapes s for use as plain Markdown text (also inside table cells):
// HTML-significant characters become entities, so that no markup in a label
// or message can become HTML, and Markdown punctuation is backslash-escaped.
// Newlines become spaces.
func mdText(s string) string {
	var b strings.Builder
	// "12. text" or "12) text" at the start would open an ordered list.
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	for i, r := range s {
		if digits > 0 && i == digits && (r == '.' || r == ')') {
			b.WriteByte('\\')
		}
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '#', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '+', '-', '=':
			if i == 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeMarkdown writes report.md.
func writeMarkdown(w io.Writer, s *Summary) {
	title := "jmtune report: " + mdText(sideHeader(s.Before))
	if s.After != nil {
		title += " vs " + mdText(sideHeader(*s.After))
	}
	fmt.Fprintf(w, "# %s\n\n", title)
	if s.After != nil && s.After.Predicted {
		plan := ""
		if s.Plan != "" {
			plan = " for " + mdText(s.Plan)
		}
		fmt.Fprintf(w, "> **Predicted:** the %s column is a simulation%s, not a measured run.\n\n", mdText(sideHeader(*s.After)), plan)
	}

	fmt.Fprintf(w, "## Verdict\n\n")
	if len(s.Verdict) == 0 {
		fmt.Fprintf(w, "No verdict (the analysis gave none).\n")
	}
	for _, v := range s.Verdict {
		fmt.Fprintf(w, "- %s\n", mdText(v))
	}
	fmt.Fprintln(w)

	if s.After != nil {
		fmt.Fprintf(w, "## Before and after\n\n")
		fmt.Fprintf(w, "| | %s | %s | change |\n|---|---:|---:|---:|\n", mdText(sideHeader(s.Before)), mdText(sideHeader(*s.After)))
		for _, r := range s.Comparison {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.Metric, r.BeforeText, r.AfterText, r.ChangeText)
		}
	} else {
		fmt.Fprintf(w, "## Run\n\n")
		fmt.Fprintf(w, "| | %s |\n|---|---:|\n", mdText(sideHeader(s.Before)))
		for _, r := range s.Comparison {
			fmt.Fprintf(w, "| %s | %s |\n", r.Metric, r.BeforeText)
		}
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "## What the analysis found\n\n")
	for _, f := range facts(s) {
		fmt.Fprintf(w, "- **%s:** %s\n", f.Name, mdText(f.Value))
	}
	fmt.Fprintln(w)

	if len(s.Charts) > 0 {
		fmt.Fprintf(w, "## Charts\n\n")
		for _, c := range s.Charts {
			fmt.Fprintf(w, "### %s\n\n![%s](%s)\n\n%s", mdText(c.Title), mdText(c.Title), c.Files[FormatPNG], mdText(c.Caption))
			if svg, ok := c.Files[FormatSVG]; ok {
				fmt.Fprintf(w, " ([SVG](%s))", svg)
			}
			fmt.Fprintf(w, "\n\n")
		}
	}

	labelTable := func(side Side) {
		if len(side.Labels) == 0 {
			return
		}
		fmt.Fprintf(w, "## Labels: %s\n\n", mdText(sideHeader(side)))
		fmt.Fprintf(w, "| label | samples | throttled | errors | retries | rate (req/s) | p95 (ms) |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, l := range side.Labels {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %.0f |\n", mdText(l.Label), count(float64(l.Samples)), count(float64(l.Throttled)),
				count(float64(l.Errors)), count(float64(l.Retries)), fixed2(l.RatePerS), l.P95Ms)
		}
		fmt.Fprintln(w)
	}
	labelTable(s.Before)
	if s.After != nil {
		labelTable(*s.After)
	}

	if len(s.Warnings) > 0 {
		fmt.Fprintf(w, "## Warnings\n\n")
		for _, v := range s.Warnings {
			fmt.Fprintf(w, "- %s\n", mdText(v))
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "---\n\n%s\n", mdText(footnote(s)))
}

// footnote says which tool made the report from which inputs.
func footnote(s *Summary) string {
	parts := []string{fmt.Sprintf("Made by %s from %s: %s", orUnknown(s.Tool), sideHeader(s.Before), inputsText(s.Before))}
	if s.After != nil {
		parts = append(parts, fmt.Sprintf("%s: %s", sideHeader(*s.After), inputsText(*s.After)))
	}
	if s.Plan != "" {
		parts = append(parts, "plan: "+s.Plan)
	}
	return strings.Join(parts, "; ") + "."
}

func orUnknown(s string) string {
	if s == "" {
		return "jmtune"
	}
	return s
}
