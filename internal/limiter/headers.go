package limiter

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfterMode says what a rejected response carries in Retry-After.
type RetryAfterMode int

// Retry-After modes.
const (
	// RetryAfterReset: seconds until a request would be admitted, rounded
	// up, at least 1.
	RetryAfterReset RetryAfterMode = iota
	// RetryAfterFixed: always RetryAfter.Fixed seconds.
	RetryAfterFixed
	// RetryAfterAbsent: no Retry-After header.
	RetryAfterAbsent
	// RetryAfterDate: an HTTP-date (IMF-fixdate) at which a request would be
	// admitted, on the server's (possibly skewed) clock.
	RetryAfterDate
)

// RetryAfter configures the Retry-After header of rejected responses.
type RetryAfter struct {
	Mode  RetryAfterMode
	Fixed int // seconds, for RetryAfterFixed
}

// String returns reset, fixed:N, absent or date (the --retry-after values).
func (r RetryAfter) String() string {
	switch r.Mode {
	case RetryAfterReset:
		return "reset"
	case RetryAfterFixed:
		return "fixed:" + strconv.Itoa(r.Fixed)
	case RetryAfterAbsent:
		return "absent"
	case RetryAfterDate:
		return "date"
	}
	return fmt.Sprintf("RetryAfterMode(%d)", int(r.Mode))
}

// ParseRetryAfter parses reset, fixed:N, absent (or none) and date.
func ParseRetryAfter(s string) (RetryAfter, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "reset", "":
		return RetryAfter{Mode: RetryAfterReset}, nil
	case "absent", "none":
		return RetryAfter{Mode: RetryAfterAbsent}, nil
	case "date", "http-date":
		return RetryAfter{Mode: RetryAfterDate}, nil
	}
	if v, ok := strings.CutPrefix(s, "fixed:"); ok {
		n, err := strconv.Atoi(v)
		if err == nil && n >= 0 {
			return RetryAfter{Mode: RetryAfterFixed, Fixed: n}, nil
		}
	}
	return RetryAfter{}, fmt.Errorf("unknown Retry-After mode %q (want reset, fixed:N, absent or date)", s)
}

// Family is a family of rate-limit response headers.
type Family int

// Header families.
const (
	FamilyNone       Family = iota
	FamilyXRateLimit        // X-RateLimit-Limit, -Remaining, -Reset (delta seconds)
	FamilyIETF              // RateLimit-Policy: "default";q=L;w=W and RateLimit: "default";r=R;t=T
	FamilyInin              // Genesys inin-ratelimit-count, -allowed, -reset
)

// String returns none, x-ratelimit, ietf or inin (the --headers values).
func (f Family) String() string {
	switch f {
	case FamilyNone:
		return "none"
	case FamilyXRateLimit:
		return "x-ratelimit"
	case FamilyIETF:
		return "ietf"
	case FamilyInin:
		return "inin"
	}
	return fmt.Sprintf("Family(%d)", int(f))
}

// ParseFamily parses none, x-ratelimit, ietf (or ratelimit) and inin (or genesys).
func ParseFamily(s string) (Family, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "":
		return FamilyNone, nil
	case "x-ratelimit", "xratelimit":
		return FamilyXRateLimit, nil
	case "ietf", "ratelimit":
		return FamilyIETF, nil
	case "inin", "genesys":
		return FamilyInin, nil
	}
	return 0, fmt.Errorf("unknown header family %q (want none, x-ratelimit, ietf or inin)", s)
}

// Header is one response header.
type Header struct{ Name, Value string }

// Responder builds the rate-limit response headers of a server.
type Responder struct {
	RetryAfter RetryAfter
	Family     Family
	// Skew is how far the server's clock is ahead of the true time; it
	// shifts the Date header and HTTP-date Retry-After values.
	Skew time.Duration
	// Policy is the RateLimit-Policy name (IETF); "" means "default".
	Policy string
}

// RetryAfterSeconds returns the Retry-After delay in whole seconds for a
// wait of wait ns: ceil, at least 1.
func RetryAfterSeconds(wait int64) int {
	s := int(math.Ceil(float64(wait) / 1e9))
	if s < 1 {
		s = 1
	}
	return s
}

// ceilSeconds rounds a non-negative duration in ns up to whole seconds.
func ceilSeconds(ns int64) int {
	if ns <= 0 {
		return 0
	}
	return int(math.Ceil(float64(ns) / 1e9))
}

// RetryAfterValue returns the Retry-After header value for d at now (Unix ns)
// and whether the header is sent: only rejected responses carry it.
func (p Responder) RetryAfterValue(d Decision, now int64) (string, bool) {
	if d.Allowed {
		return "", false
	}
	switch p.RetryAfter.Mode {
	case RetryAfterAbsent:
		return "", false
	case RetryAfterFixed:
		return strconv.Itoa(p.RetryAfter.Fixed), true
	case RetryAfterDate:
		at := now + int64(p.Skew) + d.Wait
		sec := at / 1e9
		if at%1e9 != 0 {
			sec++
		}
		return time.Unix(sec, 0).UTC().Format(http.TimeFormat), true
	}
	return strconv.Itoa(RetryAfterSeconds(d.Wait)), true
}

// Date returns the Date header value at now on the server's clock.
func (p Responder) Date(now int64) string {
	return time.Unix(0, now+int64(p.Skew)).UTC().Format(http.TimeFormat)
}

// Headers returns the rate-limit headers for a response decided by d at now
// (Unix ns): Retry-After (rejected responses only) and the Family's quota
// headers. It does not include Date.
func (p Responder) Headers(d Decision, now int64) []Header {
	var h []Header
	if v, ok := p.RetryAfterValue(d, now); ok {
		h = append(h, Header{"Retry-After", v})
	}
	reset := strconv.Itoa(ceilSeconds(d.Reset))
	switch p.Family {
	case FamilyXRateLimit:
		h = append(h,
			Header{"X-RateLimit-Limit", strconv.Itoa(d.Limit)},
			Header{"X-RateLimit-Remaining", strconv.Itoa(d.Remaining)},
			Header{"X-RateLimit-Reset", reset})
	case FamilyIETF:
		name := p.Policy
		if name == "" {
			name = "default"
		}
		pol := fmt.Sprintf("%q;q=%d", name, d.Limit)
		if d.Window > 0 {
			pol += ";w=" + strconv.Itoa(ceilSeconds(d.Window))
		} else {
			pol += ";qu=\"concurrent-requests\""
		}
		h = append(h,
			Header{"RateLimit-Policy", pol},
			Header{"RateLimit", fmt.Sprintf("%q;r=%d;t=%s", name, d.Remaining, reset)})
	case FamilyInin:
		h = append(h,
			Header{"inin-ratelimit-count", strconv.Itoa(d.Used)},
			Header{"inin-ratelimit-allowed", strconv.Itoa(d.Limit)},
			Header{"inin-ratelimit-reset", reset})
	}
	return h
}
