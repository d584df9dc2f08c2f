package jtl

import (
	"strconv"
	"strings"
	"time"
)

// RateLimit returns the rate-limit information the sample's response
// carried: its response headers (XML results with responseHeaders=true)
// and, for what the headers did not give, its sample variables (CSV or XML
// results with sample_variables; see the Var* names, with common aliases
// such as retry_after, Retry-After or ratelimit_remaining, matched ignoring
// case, '-' and '_').
//
// Retry-After and epoch-second reset values are turned into delays with the
// response's Date header (the server clock) when it is known, else with the
// sample end time.
//
// When a response carries several families, the quota values (Limit,
// Remaining, Used, Reset, Window) all come from one of them, the first
// present in this order: RateLimit/RateLimit-Policy, RateLimit-Limit/
// -Remaining/-Reset, X-RateLimit-*, X-Rate-Limit-*, inin-ratelimit-*,
// X-Shopify-Shop-Api-Call-Limit, Sforce-Limit-Info, then the rl* sample
// variables. Family names the one used.
//
// Of several RateLimit items (one per policy), the most constraining is
// used: the one with the least remaining quota, and of those the longest
// time to reset; its Limit and Window come from the RateLimit-Policy item of
// the same name (or the only policy). With RateLimit-Policy alone, the
// policy with the lowest rate (q/w) is used. Policies whose quota unit is
// not requests are ignored.
//
// RateLimit does not allocate unless a value needs an HTTP-date in a form
// other than IMF-fixdate.
func (s *Sample) RateLimit() RateLimit {
	if s.Headers == "" && len(s.Variables) == 0 {
		return RateLimit{}
	}
	var c rlCollect
	if s.Headers != "" {
		c.headers(string(s.Headers))
	}
	for i := range s.Variables {
		v := &s.Variables[i]
		if v.Set && v.Value != "" && v.Value != "null" {
			c.add(v.Name, v.Value, true)
		}
	}
	if c.n == 0 {
		return RateLimit{}
	}
	recv := s.Start + s.Elapsed
	if s.Start == 0 {
		recv = s.Timestamp + s.Elapsed
	}
	return c.result(recv)
}

// rlFamily is a header family that gives quota values.
type rlFamily uint8

const (
	famRateLimit rlFamily = iota // RateLimit + RateLimit-Policy (structured fields)
	famDraft                     // RateLimit-Limit / -Remaining / -Reset
	famX                         // X-RateLimit-*
	famXDash                     // X-Rate-Limit-*
	famInin                      // inin-ratelimit-*
	famShopify                   // X-Shopify-Shop-Api-Call-Limit
	famSforce                    // Sforce-Limit-Info
	famVars                      // rlLimit, rlRemaining, rlReset sample variables
	numFamilies
)

var familyNames = [numFamilies]string{
	"ratelimit", "ratelimit-draft", "x-ratelimit", "x-rate-limit", "inin", "shopify", "sforce", "sample-variables",
}

// rlSlot is one value in a family.
type rlSlot uint8

const (
	slotLimit rlSlot = iota
	slotRemaining
	slotReset
	slotUsed
	numSlots
)

// rlCollect gathers the raw header and variable values of one response. The
// first value seen for a key wins, so headers take precedence over
// variables.
type rlCollect struct {
	n          int // values gathered
	retryAfter string
	date       string
	rateLimit  string // RateLimit structured field
	policy     string // RateLimit-Policy
	fam        [numFamilies][numSlots]string
	famAny     [numFamilies]bool
}

// headers gathers the values of a raw header block.
func (c *rlCollect) headers(h string) {
	for len(h) > 0 {
		var line string
		if i := strings.IndexByte(h, '\n'); i >= 0 {
			line, h = h[:i], h[i+1:]
		} else {
			line, h = h, ""
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 || colon > 40 {
			continue
		}
		c.add(line[:colon], trimOWS(line[colon+1:]), false)
	}
}

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// add records one header or variable value.
func (c *rlCollect) add(name, value string, isVar bool) {
	if value == "" || name == "" {
		return
	}
	// Every name understood starts with one of these letters.
	switch name[0] | 0x20 {
	case 'r', 'x', 'd', 'i', 's':
	default:
		return
	}
	var buf [40]byte
	n := 0
	for i := 0; i < len(name); i++ {
		ch := name[i]
		switch {
		case ch == '-' || ch == '_' || ch == ' ' || ch == '.':
			continue
		case ch >= 'A' && ch <= 'Z':
			ch += 'a' - 'A'
		}
		if n == len(buf) {
			return
		}
		buf[n] = ch
		n++
	}
	set := func(dst *string) {
		if *dst == "" {
			*dst = value
			c.n++
		}
	}
	setFam := func(f rlFamily, slot rlSlot) {
		if c.fam[f][slot] == "" {
			c.fam[f][slot] = value
			c.famAny[f] = true
			c.n++
		}
	}
	xf := famX
	if len(name) > 6 && (name[6] == '-' || name[6] == '_') {
		xf = famXDash // X-Rate-Limit-*
	}
	switch string(buf[:n]) {
	case "retryafter":
		set(&c.retryAfter)
	case "date", "respdate":
		set(&c.date)
	case "ratelimit":
		set(&c.rateLimit)
	case "ratelimitpolicy", "rlpolicy":
		set(&c.policy)
	case "ratelimitlimit":
		setFam(famDraft, slotLimit)
	case "ratelimitremaining":
		setFam(famDraft, slotRemaining)
	case "ratelimitreset":
		setFam(famDraft, slotReset)
	case "xratelimitlimit":
		setFam(xf, slotLimit)
	case "xratelimitremaining":
		setFam(xf, slotRemaining)
	case "xratelimitreset":
		setFam(xf, slotReset)
	case "xratelimitused":
		setFam(xf, slotUsed)
	case "ininratelimitallowed":
		setFam(famInin, slotLimit)
	case "ininratelimitcount":
		setFam(famInin, slotUsed)
	case "ininratelimitreset":
		setFam(famInin, slotReset)
	case "xshopifyshopapicalllimit":
		setFam(famShopify, slotUsed) // "used/size", split in result
	case "sforcelimitinfo":
		setFam(famSforce, slotUsed) // "api-usage=used/limit"
	case "rllimit":
		setFam(famVars, slotLimit)
	case "rlremaining":
		setFam(famVars, slotRemaining)
	case "rlreset":
		setFam(famVars, slotReset)
	case "rlused":
		setFam(famVars, slotUsed)
	}
}

// result turns the gathered values into a RateLimit; recvMs is the time the
// response was received (sample end), epoch ms.
func (c *rlCollect) result(recvMs int64) RateLimit {
	var r RateLimit
	now := dateRef{date: c.date, recvMs: recvMs}
	if c.retryAfter != "" {
		r.RetryAfter, r.RetryAfterDate, r.HasRetryAfter = retryAfterRef(c.retryAfter, &now)
	}
	if c.rateLimit != "" || (c.policy != "" && !c.famAny[famDraft]) {
		if c.structured(&r) {
			r.Family = familyNames[famRateLimit]
			return r
		}
	}
	for f := famDraft; f < numFamilies; f++ {
		if !c.famAny[f] {
			continue
		}
		v := &c.fam[f]
		switch f {
		case famShopify, famSforce:
			s := v[slotUsed]
			if f == famSforce {
				i := strings.IndexByte(s, '=')
				if i < 0 {
					continue
				}
				s = s[i+1:]
			}
			slash := strings.IndexByte(s, '/')
			if slash < 0 {
				continue
			}
			used, ok1 := parseNumber(s[:slash])
			limit, ok2 := parseNumber(s[slash+1:])
			if !ok1 || !ok2 {
				continue
			}
			r.Used, r.HasUsed = used, true
			r.Limit, r.HasLimit = limit, true
		default:
			if x, ok := parseNumber(v[slotLimit]); ok {
				r.Limit, r.HasLimit = x, true
				if f == famDraft {
					r.Window, r.HasWindow = paramNumber(v[slotLimit], "w")
				}
			}
			if x, ok := parseNumber(v[slotRemaining]); ok {
				r.Remaining, r.HasRemaining = x, true
			}
			if x, ok := parseNumber(v[slotUsed]); ok {
				r.Used, r.HasUsed = x, true
			}
			if v[slotReset] != "" {
				r.Reset, r.HasReset = resetDelta(v[slotReset], &now)
			}
		}
		if !r.HasLimit && !r.HasRemaining && !r.HasUsed && !r.HasReset {
			continue
		}
		if !r.HasRemaining && r.HasLimit && r.HasUsed {
			r.Remaining, r.HasRemaining = max(r.Limit-r.Used, 0), true
		}
		if f == famDraft && c.policy != "" && !r.HasWindow {
			// Draft -03..-06: RateLimit-Policy: 100;w=60 beside RateLimit-Limit.
			r.Window, r.HasWindow = paramNumber(c.policy, "w")
		}
		r.Family = familyNames[f]
		return r
	}
	return r
}

// dateRef is the "now" of a response: its Date header, parsed on first use,
// else the time it was received.
type dateRef struct {
	date   string
	recvMs int64
	parsed bool
	sec    float64
}

// seconds returns now in epoch seconds.
func (d *dateRef) seconds() float64 {
	if !d.parsed {
		d.parsed = true
		d.sec = float64(d.recvMs) / 1000
		if d.date != "" {
			if t, ok := parseHTTPDate(d.date); ok {
				d.sec = float64(t.Unix())
			}
		}
	}
	return d.sec
}

// resetDelta turns a reset value into seconds from now: a delay as is, epoch
// seconds (> 1e9) or epoch milliseconds (> 1e12) minus now, an HTTP-date
// minus now. Never negative.
func resetDelta(v string, now *dateRef) (float64, bool) {
	x, ok := parseNumber(v)
	if !ok {
		t, ok := parseHTTPDate(trimOWS(v))
		if !ok {
			return 0, false
		}
		return max(float64(t.Unix())-now.seconds(), 0), true
	}
	switch {
	case x > 1e12:
		x = x/1000 - now.seconds()
	case x > 1e9:
		x -= now.seconds()
	}
	return max(x, 0), true
}

// ParseRetryAfter parses a Retry-After value: delay-seconds ("7", also
// decimals such as "2.0") or an HTTP-date in any of the three forms HTTP
// allows (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday,
// 06-Nov-94 08:49:37 GMT", asctime "Sun Nov  6 08:49:37 1994"). A date is
// turned into a delay relative to dateHeader, the response's Date header
// (the server's clock, so that client clock skew does not matter), or, when
// that is empty or unparsable, to receivedAtMs (epoch ms). The delay is never
// negative. isDate reports a date form; ok is false for an unparsable value.
func ParseRetryAfter(value, dateHeader string, receivedAtMs int64) (seconds float64, isDate bool, ok bool) {
	now := dateRef{date: dateHeader, recvMs: receivedAtMs}
	return retryAfterRef(value, &now)
}

func retryAfterRef(value string, now *dateRef) (seconds float64, isDate bool, ok bool) {
	v := trimOWS(value)
	if isDecimal(v) {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, false, false // out of range
		}
		return x, false, true
	}
	t, ok := parseHTTPDate(v)
	if !ok {
		return 0, false, false
	}
	d := float64(t.UnixMilli())/1000 - now.seconds()
	return max(d, 0), true, true
}

// isDecimal reports whether s is digits with an optional fraction.
func isDecimal(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	dot := false
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == '.' && !dot {
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseNumber parses the leading number of a header value ("100",
// "100, 100;w=60", " 2.5 "); negative values are refused.
func parseNumber(s string) (float64, bool) {
	s = trimOWS(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	if end == 0 || !isDecimal(s[:end]) {
		return 0, false
	}
	x, err := strconv.ParseFloat(s[:end], 64)
	return x, err == nil
}

// paramNumber returns the numeric value of the first ";key=value"
// parameter in a header value.
func paramNumber(s, key string) (float64, bool) {
	for {
		i := strings.IndexByte(s, ';')
		if i < 0 {
			return 0, false
		}
		s = trimOWS(s[i+1:])
		if len(s) > len(key) && s[:len(key)] == key && s[len(key)] == '=' {
			return parseNumber(s[len(key)+1:])
		}
	}
}

var httpDateLayouts = [...]string{
	"Mon, 02 Jan 2006 15:04:05 GMT",  // IMF-fixdate
	"Monday, 02-Jan-06 15:04:05 GMT", // RFC 850
	"Mon Jan _2 15:04:05 2006",       // asctime
	time.RFC1123,                     // other zone names ("UTC")
	time.RFC1123Z,                    // numeric zone
}

// parseHTTPDate parses an HTTP-date in any accepted form.
func parseHTTPDate(s string) (time.Time, bool) {
	if len(s) < 20 || len(s) > 40 {
		return time.Time{}, false
	}
	for _, l := range httpDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// sfItem is one member of a RateLimit or RateLimit-Policy structured field.
type sfItem struct {
	name       string
	q, w, r, t float64
	hasQ, hasW bool
	hasR, hasT bool
	pk         string
	qu         string
}

const maxSFItems = 8

// parseSF parses a structured-field list or dictionary of rate-limit items
// into items and returns how many were filled. It accepts the forms of the
// IETF drafts: `"default";r=50;t=30`, `"permin";q=50;w=60, "perhr";q=1000`,
// `default;r=50;t=30`, `100;w=60` (a bare quota), and the dictionary form
// `limit=100, remaining=50, reset=5` (which fills one unnamed item).
func parseSF(s string, items *[maxSFItems]sfItem) int {
	n := 0
	dict := -1 // index of the item the dictionary form fills
	for len(s) > 0 && n < maxSFItems {
		// One member, up to a ',' outside quotes.
		end, inq := 0, false
		for end < len(s) {
			ch := s[end]
			if ch == '"' {
				inq = !inq
			} else if ch == '\\' && inq {
				end++
			} else if ch == ',' && !inq {
				break
			}
			end++
		}
		end = min(end, len(s))
		m := trimOWS(s[:end])
		if end < len(s) {
			s = s[end+1:]
		} else {
			s = ""
		}
		if m == "" {
			continue
		}
		var it sfItem
		// The bare item (name) and any "=value" of a dictionary key.
		head := m
		params := ""
		from := 0
		if m[0] == '"' {
			if j := strings.IndexByte(m[1:], '"'); j >= 0 {
				from = j + 2
			}
		}
		if i := strings.IndexByte(m[from:], ';'); i >= 0 {
			head, params = m[:from+i], m[from+i:]
		}
		head = trimOWS(head)
		switch {
		case strings.HasPrefix(head, `"`):
			it.name = strings.Trim(head, `"`)
		case head != "" && (head[0] >= '0' && head[0] <= '9'):
			if q, ok := parseNumber(head); ok {
				it.q, it.hasQ = q, true
			}
		default:
			key, val := head, ""
			if i := strings.IndexByte(head, '='); i >= 0 {
				key, val = trimOWS(head[:i]), trimOWS(head[i+1:])
			}
			if x, ok := parseNumber(val); ok && (key == "limit" || key == "remaining" || key == "reset") {
				if dict < 0 {
					dict = n
					n++
				}
				d := &items[dict]
				switch key {
				case "limit":
					d.q, d.hasQ = x, true
				case "remaining":
					d.r, d.hasR = x, true
				case "reset":
					d.t, d.hasT = x, true
				}
				continue
			}
			it.name = key
		}
		for params != "" {
			params = params[1:] // ';'
			p := params
			if i := strings.IndexByte(params, ';'); i >= 0 {
				p, params = params[:i], params[i:]
			} else {
				params = ""
			}
			key, val := trimOWS(p), ""
			if i := strings.IndexByte(p, '='); i >= 0 {
				key, val = trimOWS(p[:i]), trimOWS(p[i+1:])
			}
			switch key {
			case "q":
				it.q, it.hasQ = parseNumber(val)
			case "w":
				it.w, it.hasW = parseNumber(val)
			case "r":
				it.r, it.hasR = parseNumber(val)
			case "t":
				it.t, it.hasT = parseNumber(val)
			case "pk":
				it.pk = strings.Trim(val, ":")
			case "qu":
				it.qu = strings.Trim(val, `"`)
			}
		}
		items[n] = it
		n++
	}
	return n
}

// structured fills r from the RateLimit and RateLimit-Policy fields; it
// reports whether they gave any value.
func (c *rlCollect) structured(r *RateLimit) bool {
	var lim, pol [maxSFItems]sfItem
	nl := parseSF(c.rateLimit, &lim)
	np := parseSF(c.policy, &pol)
	requests := func(p *sfItem) bool { return p.qu == "" || p.qu == "requests" }

	best := -1
	for i := 0; i < nl; i++ {
		it := &lim[i]
		if !it.hasR && !it.hasT && !it.hasQ {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := &lim[best]
		switch {
		case it.hasR && (!b.hasR || it.r < b.r):
			best = i
		case it.hasR && b.hasR && it.r == b.r && it.t > b.t:
			best = i
		}
	}
	var p *sfItem
	if best >= 0 {
		it := &lim[best]
		if it.hasR {
			r.Remaining, r.HasRemaining = max(it.r, 0), true
		}
		if it.hasT {
			r.Reset, r.HasReset = max(it.t, 0), true
		}
		if it.hasQ { // dictionary form
			r.Limit, r.HasLimit = it.q, true
		}
		r.PartitionKey = it.pk
		r.Policy = it.name
		for i := 0; i < np; i++ {
			if pol[i].name == it.name && requests(&pol[i]) {
				p = &pol[i]
				break
			}
		}
		if p == nil && np == 1 && requests(&pol[0]) {
			p = &pol[0]
		}
	} else {
		// Policies only: the lowest rate.
		for i := 0; i < np; i++ {
			q := &pol[i]
			if !q.hasQ || !requests(q) {
				continue
			}
			if p == nil || rate(q) < rate(p) {
				p = q
			}
		}
		if p != nil {
			r.Policy = p.name
			r.PartitionKey = p.pk
		}
	}
	if p != nil {
		if p.hasQ {
			r.Limit, r.HasLimit = p.q, true
		}
		if p.hasW {
			r.Window, r.HasWindow = p.w, true
		}
		if r.PartitionKey == "" {
			r.PartitionKey = p.pk
		}
	}
	return r.HasLimit || r.HasRemaining || r.HasReset || r.HasWindow
}

// rate is a policy's quota per second (per window when it has none).
func rate(p *sfItem) float64 {
	if p.hasW && p.w > 0 {
		return p.q / p.w
	}
	return p.q
}
