package jtl

import (
	"fmt"
	"strconv"
	"strings"
)

// csvLayout is a candidate column layout for a header-less CSV file.
type csvLayout struct {
	fields   Field
	vars     []string
	desc     string // for Format.Layout
	guessed  bool   // from the column count, not from properties
	tsFormat string // "ms" or a date pattern
}

// stockLayouts are the default layouts of JMeter releases, tried on a
// header-less file when no properties decide (jtl-format.md section 3.1).
// The oldest one is only taken with exactly its 10 columns: with extra
// variable columns it would fit too many files by chance.
var stockLayouts = []struct {
	name      string
	fields    Field
	exactOnly bool
}{
	{"JMeter 5.x", jmeterDefaults[0].fields, false},
	{"JMeter 3.1-4.0", jmeterDefaults[1].fields, false},
	{"JMeter 3.0", jmeterDefaults[2].fields, false},
	{"JMeter 2.13", jmeterDefaults[3].fields, false},
	{"JMeter 2.x (before thread counts)", oldDefaults, true},
}

// peekedRecord is a record read ahead to decide the layout.
type peekedRecord struct {
	line     int
	vals     []string
	quoted   []bool
	complete bool // ended with a line end (the last record may be cut short)
}

// peek splits up to max records ahead of the read position without
// consuming them, with the current delimiter.
func (d *csvDecoder) peek(max int) []peekedRecord {
	var out []peekedRecord
	off, line := d.pos, d.line
	for len(out) < max && off < d.end {
		n, nl, term, st := d.split(d.buf[off:d.end], d.eof)
		if st == recMore {
			break
		}
		d.recStart = off
		if st == recOK {
			vals, quoted := d.fieldStrings()
			out = append(out, peekedRecord{line: line, vals: vals, quoted: quoted, complete: term})
		} else if st != recBlank {
			break
		}
		off += n
		line += nl
	}
	return out
}

// detect decides the delimiter and the columns: from a header line if the
// first line is one (JMeter's rule), else from the properties, else from
// the column count and the shape of the first rows.
func (d *csvDecoder) detect() error {
	props := d.opts.Props
	var cfg SaveConfig
	delims := []byte{',', '\t', ';', '|'}
	if props != nil {
		cfg = props.SaveConfig("")
		if cfg.Delimiter != ',' {
			delims = append([]byte{cfg.Delimiter}, delims...)
		}
	}
	d.fmt = Format{Kind: "csv"}
	d.tsFormat = "ms"
	if props != nil && cfg.TimestampFormat != "" {
		d.tsFormat = cfg.TimestampFormat
	}
	// A header line?
	for _, dl := range delims {
		d.delim = dl
		recs := d.peek(1)
		if len(recs) == 0 {
			return fmt.Errorf("%s: %w: no CSV records (the file is empty or blank)", d.name, ErrNotJTL)
		}
		cols, vars, unknown, ok := parseHeader(recs[0].vals, recs[0].quoted)
		if !ok || (len(cols) == 1 && dl != delims[0]) {
			continue
		}
		if _, _, err := d.next(); err != nil {
			return err
		}
		d.setColumns(cols, vars)
		d.fmt.Delimiter = rune(dl)
		d.fmt.Header = true
		d.fmt.Layout = "header"
		for i, v := range recs[0].vals {
			d.fmt.Columns = append(d.fmt.Columns, headerText(v, recs[0].quoted[i]))
		}
		for _, u := range unknown {
			d.warn(Warning{File: d.name, Line: recs[0].line, Msg: fmt.Sprintf("unknown column %q read as a sample variable", u)})
		}
		return d.setTimestampFormat(false)
	}
	// Header-less.
	var firstFail string
	for _, dl := range delims {
		d.delim = dl
		recs := d.peek(peekRecords)
		if len(recs) == 0 || len(recs[0].vals) < 2 {
			continue
		}
		n := len(recs[0].vals)
		for _, l := range headerlessLayouts(props, n) {
			if why := l.check(recs); why != "" {
				if !l.guessed && firstFail == "" {
					firstFail = fmt.Sprintf("the properties give %d columns (%s) but the rows do not fit: %s", n, l.desc, why)
				}
				continue
			}
			cols := make([]int, 0, n)
			for _, name := range l.fields.Names() {
				cols = append(cols, columnIndex(name))
			}
			for range l.vars {
				cols = append(cols, -1)
			}
			d.setColumns(cols, l.vars)
			d.fmt.Delimiter = rune(dl)
			d.fmt.Columns = append(l.fields.Names(), quoteAll(l.vars)...)
			d.fmt.Layout = l.desc
			d.tsFormat = l.tsFormat
			if firstFail != "" {
				d.warn(Warning{File: d.name, Msg: firstFail})
			}
			if l.guessed {
				d.warn(Warning{File: d.name, Msg: fmt.Sprintf("no header line; assumed %s from the column count and the first rows (columns %s); if that is wrong, pass the properties of the run (-p jmeter.properties, -q FILE, -J KEY=VALUE)", strings.TrimPrefix(l.desc, "guessed: "), strings.Join(d.fmt.Columns, string(dl)))})
			} else {
				d.warn(Warning{File: d.name, Msg: fmt.Sprintf("no header line; columns from the %s (%s)", l.desc, strings.Join(d.fmt.Columns, string(dl)))})
			}
			return d.setTimestampFormat(true)
		}
	}
	d.delim = delims[0]
	recs := d.peek(1)
	first := recs[0]
	what := fmt.Sprintf("no header line, and the %d columns of line %d match no JMeter layout", len(first.vals), first.line)
	if firstFail != "" {
		what += "; " + firstFail
	}
	if !looksLikeJMeterRow(first.vals) {
		head := strings.Join(first.vals, string(d.delim))
		if len(head) > 60 {
			head = head[:60] + "..."
		}
		return fmt.Errorf("%s: %w: it is text that is neither a JMeter CSV header nor JMeter CSV rows (line %d: %q)", d.name, ErrNotJTL, first.line, head)
	}
	return fmt.Errorf("%s: %s; pass the properties of the run that wrote it (-p jmeter.properties, -q FILE, -J jmeter.save.saveservice.KEY=true|false, -J sample_variables=a,b)", d.name, what)
}

// setTimestampFormat compiles the date pattern in use, if any.
func (d *csvDecoder) setTimestampFormat(strict bool) error {
	d.fmt.TimestampFormat = d.tsFormat
	if d.tsFormat == "ms" || d.tsFormat == "" {
		d.date = nil
		d.dateFallback = true
		return nil
	}
	l, err := compileDateLayout(d.tsFormat, nil)
	if err != nil {
		d.warn(Warning{File: d.name, Msg: fmt.Sprintf("timestamp_format: %v; trying JMeter's fallback patterns", err)})
		d.dateFallback = true
		return nil
	}
	d.date = l
	d.dateFallback = !strict
	d.dateNoted = true
	d.warn(Warning{File: d.name, Msg: fmt.Sprintf("timeStamp holds dates formatted as %q, read in the local time zone (%s); set TZ to the zone of the machine that ran JMeter if it differs", d.tsFormat, localZoneName())})
	return nil
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = `"` + v + `"`
	}
	return out
}

// headerlessLayouts returns the layouts to try for a header-less file whose
// first record has n fields: from the properties first, then the stock
// layouts of JMeter releases with any extra trailing columns taken as
// sample variables.
func headerlessLayouts(props *Properties, n int) []csvLayout {
	var out []csvLayout
	seen := map[string]bool{}
	add := func(l csvLayout) {
		key := fmt.Sprint(l.fields, l.vars)
		if !seen[key] {
			seen[key] = true
			out = append(out, l)
		}
	}
	var propVars []string
	if props != nil {
		for _, v := range props.candidateVersions() {
			c := props.SaveConfig(v)
			propVars = c.Variables
			if c.Fields.Count()+len(c.Variables) != n {
				continue
			}
			add(csvLayout{fields: c.Fields, vars: c.Variables, desc: "properties: " + c.Why, tsFormat: orMS(c.TimestampFormat)})
		}
	}
	// Exact matches first, then layouts with extra variable columns.
	for pass := 0; pass < 2; pass++ {
		for _, s := range stockLayouts {
			k := s.fields.Count()
			if (pass == 0) != (k == n) || k > n || (s.exactOnly && k != n) {
				continue
			}
			extra := n - k
			l := csvLayout{fields: s.fields, guessed: true, tsFormat: "ms"}
			l.desc = fmt.Sprintf("guessed: %s defaults (%d columns)", s.name, k)
			if extra > 0 {
				if len(propVars) == extra {
					l.vars = propVars
				} else {
					for i := 0; i < extra; i++ {
						l.vars = append(l.vars, "column"+strconv.Itoa(k+i+1))
					}
				}
				l.desc += fmt.Sprintf(" + %d sample variable column(s) %s", extra, strings.Join(quoteAll(l.vars), ","))
			}
			add(l)
		}
	}
	return out
}

func orMS(f string) string {
	if f == "" {
		return "ms"
	}
	return f
}

// check returns "" when the peeked records fit the layout, else what does
// not fit. A last record cut short is not held against the layout.
func (l csvLayout) check(recs []peekedRecord) string {
	names := l.fields.Names()
	n := len(names) + len(l.vars)
	var date *dateLayout
	if l.tsFormat != "ms" {
		date, _ = compileDateLayout(l.tsFormat, nil)
	}
	checked := 0
	for ri, r := range recs {
		if len(r.vals) != n {
			if ri == len(recs)-1 && !r.complete && ri > 0 {
				continue
			}
			return fmt.Sprintf("line %d has %d fields", r.line, len(r.vals))
		}
		for i, name := range names {
			f := columnIndex(name)
			if !shapeOK(f, r.vals[i], date) {
				if ri == len(recs)-1 && !r.complete && ri > 0 {
					break
				}
				return fmt.Sprintf("line %d column %d (%s) is %q", r.line, i+1, name, r.vals[i])
			}
		}
		checked++
	}
	if checked == 0 {
		return "no complete record"
	}
	return ""
}

// shapeOK reports whether v can be a value of column f.
func shapeOK(f int, v string, date *dateLayout) bool {
	if v == "null" {
		return f != idxTimestamp
	}
	switch f {
	case idxTimestamp:
		if date != nil {
			_, ok := date.parse([]byte(v))
			return ok
		}
		if _, ok := parseDec([]byte(v)); ok {
			return len(v) >= 9 && len(v) <= 14
		}
		for _, l := range fallbackLayouts() {
			if _, ok := l.parse([]byte(v)); ok {
				return true
			}
		}
		return false
	case idxElapsed, idxBytes, idxSentBytes, idxGrpThreads, idxAllThreads, idxLatency,
		idxSampleCount, idxErrorCount, idxIdleTime, idxConnect:
		_, ok := parseDec([]byte(v))
		return ok
	case idxSuccess:
		return strings.EqualFold(v, "true") || strings.EqualFold(v, "false")
	case idxURL:
		return v == "" || strings.Contains(v, "://")
	case idxDataType:
		return v == "" || v == "text" || v == "bin"
	}
	return true
}

// looksLikeJMeterRow reports whether a record could be JMeter CSV data at
// all: some field is a plausible epoch-ms timestamp or a date, and some
// field is true or false.
func looksLikeJMeterRow(vals []string) bool {
	ts, b := false, false
	for _, v := range vals {
		if shapeOK(idxTimestamp, v, nil) {
			ts = true
		}
		if strings.EqualFold(v, "true") || strings.EqualFold(v, "false") {
			b = true
		}
	}
	return ts || b
}
