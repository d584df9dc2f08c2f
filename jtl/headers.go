package jtl

import "strings"

// Headers is a raw HTTP response header block as JMeter saves it in XML
// results (<responseHeader>): the status line, then "Name: value" lines.
type Headers string

// Get returns the value of the first header called name (case-insensitive)
// and whether it was present.
func (h Headers) Get(name string) (string, bool) {
	var val string
	found := false
	h.Each(func(n, v string) bool {
		if strings.EqualFold(n, name) {
			val, found = v, true
			return false
		}
		return true
	})
	return val, found
}

// Each calls fn for every "Name: value" line, in order, until fn returns false.
// The status line and malformed lines are skipped; values are trimmed.
func (h Headers) Each(fn func(name, value string) bool) {
	s := string(h)
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimRight(line, "\r")
		c := strings.IndexByte(line, ':')
		if c <= 0 || strings.HasPrefix(line, "HTTP/") {
			continue
		}
		name := strings.TrimSpace(line[:c])
		if name == "" || strings.ContainsAny(name, " \t") {
			continue
		}
		if !fn(name, strings.TrimSpace(line[c+1:])) {
			return
		}
	}
}

// RateLimit is the rate-limit information one response carried, taken from
// its response headers (XML results) or from sample variables (CSV results
// with sample_variables, see the Var* constants). Every value has a Has flag;
// a missing value is never reported as zero.
//
// Families understood: Retry-After (delay-seconds, decimal seconds or
// HTTP-date), X-RateLimit-* and X-Rate-Limit-*, RateLimit-Limit/-Remaining/-Reset
// (IETF drafts -00..-06), RateLimit and RateLimit-Policy (IETF draft -07+
// structured fields: q, w, r, t, pk), inin-ratelimit-count/-allowed/-reset
// (Genesys Cloud), X-Shopify-Shop-Api-Call-Limit.
type RateLimit struct {
	// RetryAfter is the Retry-After delay in seconds. For an HTTP-date it is
	// the date minus the response's Date header (server clock), else minus
	// the sample end time; never negative.
	RetryAfter     float64
	HasRetryAfter  bool
	RetryAfterDate bool // the header was an HTTP-date

	Limit        float64 // quota per window (limit, allowed, q)
	HasLimit     bool
	Remaining    float64 // quota left (remaining, r; allowed-count for inin)
	HasRemaining bool
	Used         float64 // quota used (inin-ratelimit-count, x-ratelimit-used)
	HasUsed      bool
	// Reset is the number of seconds until the quota resets (delta), after
	// converting epoch-second values (> 1e9) with the response time.
	Reset     float64
	HasReset  bool
	Window    float64 // window in seconds (RateLimit-Policy w)
	HasWindow bool

	PartitionKey string // pk, when the server sent one
	Policy       string // name of the RateLimit / RateLimit-Policy item the values come from
	Family       string // which header family supplied the quota values, e.g. "x-ratelimit", "ratelimit", "inin"
}

// Any reports whether r carries any value.
func (r RateLimit) Any() bool {
	return r.HasRetryAfter || r.HasLimit || r.HasRemaining || r.HasUsed || r.HasReset || r.HasWindow
}
