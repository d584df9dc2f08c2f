package jtl

import (
	"math"
	"testing"
	"time"
)

// rlMsAt returns the epoch ms of a UTC time; tests state times this way so
// that expected delays can be read off directly.
func rlMsAt(y int, mo time.Month, d, h, mi, s, ms int) int64 {
	return time.Date(y, mo, d, h, mi, s, ms*1e6, time.UTC).UnixMilli()
}

func TestParseRetryAfter(t *testing.T) {
	date := "Wed, 21 Oct 2026 07:28:00 GMT"
	recv := rlMsAt(2026, 10, 21, 7, 28, 0, 500) // half a second after Date
	for _, tc := range []struct {
		value, date string
		recv        int64
		want        float64
		isDate, ok  bool
	}{
		{"7", "", 0, 7, false, true},
		{"0", "", 0, 0, false, true},
		{" 120 ", "", 0, 120, false, true},
		{"2.0", "", 0, 2, false, true},                     // Shopify
		{"1.5", "", 0, 1.5, false, true},                   // decimals
		{"3", date, recv, 3, false, true},                  // seconds ignore the Date header
		{"", "", 0, 0, false, false},                       // empty
		{"-1", "", 0, 0, false, false},                     // negative
		{"soon", "", 0, 0, false, false},                   // junk
		{"1e3", "", 0, 0, false, false},                    // not delay-seconds
		{"Wed, 21 Oct 2026 07:28", "", 0, 0, false, false}, // cut date
		// IMF-fixdate, relative to the Date header (server clock) ...
		{"Wed, 21 Oct 2026 07:28:30 GMT", date, recv, 30, true, true},
		// ... or to the receive time when there is no Date header.
		{"Wed, 21 Oct 2026 07:28:30 GMT", "", recv, 29.5, true, true},
		// An unparsable Date header falls back to the receive time.
		{"Wed, 21 Oct 2026 07:28:30 GMT", "yesterday", recv, 29.5, true, true},
		// RFC 850 (two-digit year) and asctime (space-padded day).
		{"Wednesday, 21-Oct-26 07:28:45 GMT", date, recv, 45, true, true},
		{"Wed Oct 21 07:29:00 2026", date, recv, 60, true, true},
		{"Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:07 GMT", 0, 30, true, true},
		// A date in the past is "now": clamped to 0.
		{"Wed, 21 Oct 2026 07:27:00 GMT", date, recv, 0, true, true},
		// Zone spelled UTC or numerically.
		{"Wed, 21 Oct 2026 07:28:10 UTC", date, recv, 10, true, true},
		{"Wed, 21 Oct 2026 07:28:10 +0000", date, recv, 10, true, true},
	} {
		got, isDate, ok := ParseRetryAfter(tc.value, tc.date, tc.recv)
		if ok != tc.ok || isDate != tc.isDate || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("ParseRetryAfter(%q, %q, %d) = %v, %v, %v; want %v, %v, %v",
				tc.value, tc.date, tc.recv, got, isDate, ok, tc.want, tc.isDate, tc.ok)
		}
	}
}

func TestRateLimitHeaderFamilies(t *testing.T) {
	const date = "Date: Wed, 21 Oct 2026 07:28:00 GMT\n"
	dateSec := rlMsAt(2026, 10, 21, 7, 28, 0, 0) / 1000 // 1792567680
	// The sample ends 2 s after the Date header: reset epochs must use Date.
	start := (dateSec+2)*1000 - 100
	type rl = RateLimit
	for _, tc := range []struct {
		name    string
		headers string
		want    RateLimit
	}{
		{"none", "HTTP/1.1 200 OK\nContent-Type: text/plain\n", rl{}},
		{"retry-after seconds", "HTTP/1.1 429 Too Many Requests\nRetry-After: 9\n",
			rl{RetryAfter: 9, HasRetryAfter: true}},
		{"retry-after date vs Date header", "HTTP/1.1 429 x\n" + date + "Retry-After: Wed, 21 Oct 2026 07:28:30 GMT\n",
			rl{RetryAfter: 30, HasRetryAfter: true, RetryAfterDate: true}},
		{"retry-after date without Date header: vs sample end", "HTTP/1.1 429 x\nRetry-After: Wed, 21 Oct 2026 07:28:30 GMT\n",
			rl{RetryAfter: 28, HasRetryAfter: true, RetryAfterDate: true}},
		{"case and CRLF", "HTTP/1.1 429 x\r\nretry-AFTER:   5  \r\n",
			rl{RetryAfter: 5, HasRetryAfter: true}},
		{"github x-ratelimit (reset epoch seconds)", "HTTP/1.1 200 OK\n" + date +
			"x-ratelimit-limit: 5000\nx-ratelimit-remaining: 4990\nx-ratelimit-used: 10\nx-ratelimit-reset: 1792568280\nx-ratelimit-resource: core\n",
			rl{Limit: 5000, HasLimit: true, Remaining: 4990, HasRemaining: true, Used: 10, HasUsed: true,
				Reset: 600, HasReset: true, Family: "x-ratelimit"}},
		{"x-ratelimit reset epoch ms", "HTTP/1.1 200 OK\n" + date + "X-RateLimit-Remaining: 3\nX-RateLimit-Reset: 1792567690500\n",
			rl{Remaining: 3, HasRemaining: true, Reset: 10.5, HasReset: true, Family: "x-ratelimit"}},
		{"x-ratelimit reset epoch in the past", "HTTP/1.1 200 OK\n" + date + "X-RateLimit-Reset: 1792567000\n",
			rl{Reset: 0, HasReset: true, Family: "x-ratelimit"}},
		{"x-ratelimit reset as delay", "HTTP/1.1 200 OK\nX-RateLimit-Limit: 60\nX-RateLimit-Reset: 42\n",
			rl{Limit: 60, HasLimit: true, Reset: 42, HasReset: true, Family: "x-ratelimit"}},
		{"x-ratelimit limit and used only: remaining derived", "HTTP/1.1 200 OK\nX-RateLimit-Limit: 60\nX-RateLimit-Used: 45\n",
			rl{Limit: 60, HasLimit: true, Used: 45, HasUsed: true, Remaining: 15, HasRemaining: true, Family: "x-ratelimit"}},
		{"twitter x-rate-limit", "HTTP/1.1 429 x\n" + date + "x-rate-limit-limit: 15\nx-rate-limit-remaining: 0\nx-rate-limit-reset: 1792568580\n",
			rl{Limit: 15, HasLimit: true, Remaining: 0, HasRemaining: true, Reset: 900, HasReset: true, Family: "x-rate-limit"}},
		{"draft RateLimit-Limit with w", "HTTP/1.1 200 OK\nRateLimit-Limit: 100, 100;w=60\nRateLimit-Remaining: 42\nRateLimit-Reset: 17\n",
			rl{Limit: 100, HasLimit: true, Remaining: 42, HasRemaining: true, Reset: 17, HasReset: true, Window: 60, HasWindow: true, Family: "ratelimit-draft"}},
		{"draft with RateLimit-Policy 100;w=60", "HTTP/1.1 200 OK\nRateLimit-Limit: 100\nRateLimit-Remaining: 0\nRateLimit-Reset: 4\nRateLimit-Policy: 100;w=60\n",
			rl{Limit: 100, HasLimit: true, Remaining: 0, HasRemaining: true, Reset: 4, HasReset: true, Window: 60, HasWindow: true, Family: "ratelimit-draft"}},
		{"structured, Cloudflare example", "HTTP/1.1 200 OK\nRatelimit: \"default\";r=50;t=30\nRatelimit-Policy: \"burst\";q=100;w=60\n",
			// No policy named "default", but only one policy: it is the one.
			rl{Remaining: 50, HasRemaining: true, Reset: 30, HasReset: true, Limit: 100, HasLimit: true, Window: 60, HasWindow: true,
				Family: "ratelimit", Policy: "default"}},
		{"structured, most constraining item and its policy", "HTTP/1.1 429 x\n" +
			"RateLimit-Policy: \"permin\";q=50;w=60, \"perhr\";q=1000;w=3600\nRateLimit: \"perhr\";r=800;t=3000, \"permin\";r=0;t=20\n",
			rl{Remaining: 0, HasRemaining: true, Reset: 20, HasReset: true, Limit: 50, HasLimit: true, Window: 60, HasWindow: true,
				Family: "ratelimit", Policy: "permin"}},
		{"structured, equal remaining: longest reset", "HTTP/1.1 429 x\n" +
			"RateLimit: \"a\";r=0;t=5, \"b\";r=0;t=50\nRateLimit-Policy: \"a\";q=10;w=10, \"b\";q=100;w=100\n",
			rl{Remaining: 0, HasRemaining: true, Reset: 50, HasReset: true, Limit: 100, HasLimit: true, Window: 100, HasWindow: true,
				Family: "ratelimit", Policy: "b"}},
		{"structured policy only: lowest rate", "HTTP/1.1 200 OK\nRateLimit-Policy: \"permin\";q=50;w=60, \"perhr\";q=1000;w=3600\n",
			rl{Limit: 1000, HasLimit: true, Window: 3600, HasWindow: true, Family: "ratelimit", Policy: "perhr"}},
		{"structured partition key and quota unit", "HTTP/1.1 200 OK\n" +
			"RateLimit-Policy: \"bytes\";q=65535;qu=\"content-bytes\";w=10, \"reqs\";q=10;w=1;pk=:dXNlcjE=:\nRateLimit: \"reqs\";r=4;t=1;pk=:dXNlcjE=:\n",
			rl{Remaining: 4, HasRemaining: true, Reset: 1, HasReset: true, Limit: 10, HasLimit: true, Window: 1, HasWindow: true,
				PartitionKey: "dXNlcjE=", Family: "ratelimit", Policy: "reqs"}},
		{"structured token names", "HTTP/1.1 200 OK\nRateLimit: default;r=7;t=3\nRateLimit-Policy: default;q=10;w=5\n",
			rl{Remaining: 7, HasRemaining: true, Reset: 3, HasReset: true, Limit: 10, HasLimit: true, Window: 5, HasWindow: true,
				Family: "ratelimit", Policy: "default"}},
		{"structured dictionary form of draft -06", "HTTP/1.1 200 OK\nRateLimit: limit=100, remaining=50, reset=5\n",
			rl{Limit: 100, HasLimit: true, Remaining: 50, HasRemaining: true, Reset: 5, HasReset: true, Family: "ratelimit"}},
		{"structured wins over x-ratelimit", "HTTP/1.1 200 OK\nX-RateLimit-Limit: 999\nRateLimit: \"d\";r=1;t=2\n",
			rl{Remaining: 1, HasRemaining: true, Reset: 2, HasReset: true, Family: "ratelimit", Policy: "d"}},
		{"genesys inin", "HTTP/1.1 200 OK\ninin-ratelimit-count: 1\ninin-ratelimit-allowed: 180\ninin-ratelimit-reset: 61\n",
			rl{Limit: 180, HasLimit: true, Used: 1, HasUsed: true, Remaining: 179, HasRemaining: true, Reset: 61, HasReset: true, Family: "inin"}},
		{"genesys inin, over quota", "HTTP/1.1 429 x\nRetry-After: 3\nInin-Ratelimit-Count: 21\nInin-Ratelimit-Allowed: 20\nInin-Ratelimit-Reset: 3\n",
			rl{RetryAfter: 3, HasRetryAfter: true, Limit: 20, HasLimit: true, Used: 21, HasUsed: true, Remaining: 0, HasRemaining: true,
				Reset: 3, HasReset: true, Family: "inin"}},
		{"shopify", "HTTP/1.1 429 x\nX-Shopify-Shop-Api-Call-Limit: 32/40\nRetry-After: 2.0\n",
			rl{RetryAfter: 2, HasRetryAfter: true, Used: 32, HasUsed: true, Limit: 40, HasLimit: true, Remaining: 8, HasRemaining: true, Family: "shopify"}},
		{"salesforce", "HTTP/1.1 200 OK\nSforce-Limit-Info: api-usage=18/5000\n",
			rl{Used: 18, HasUsed: true, Limit: 5000, HasLimit: true, Remaining: 4982, HasRemaining: true, Family: "sforce"}},
		{"malformed values are ignored", "HTTP/1.1 200 OK\nRetry-After: later\nX-RateLimit-Limit: lots\nX-Shopify-Shop-Api-Call-Limit: 40\n",
			rl{}},
	} {
		s := Sample{Start: start, Elapsed: 100, Headers: Headers(tc.headers)}
		got := s.RateLimit()
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestRateLimitSampleVariables(t *testing.T) {
	end := rlMsAt(2026, 10, 21, 7, 28, 0, 0)
	v := func(kv ...string) []Variable {
		var out []Variable
		for i := 0; i < len(kv); i += 2 {
			out = append(out, Variable{Name: kv[i], Value: kv[i+1], Set: kv[i+1] != "null"})
		}
		return out
	}
	type rl = RateLimit
	for _, tc := range []struct {
		name    string
		headers string
		vars    []Variable
		want    RateLimit
	}{
		{"jmtune names", "", v(VarRetryAfter, "5", VarRLLimit, "300", VarRLRemaining, "0", VarRLReset, "12"),
			rl{RetryAfter: 5, HasRetryAfter: true, Limit: 300, HasLimit: true, Remaining: 0, HasRemaining: true,
				Reset: 12, HasReset: true, Family: "sample-variables"}},
		{"unset and empty variables", "", v(VarRetryAfter, "null", VarRLLimit, ""), rl{}},
		{"aliases: retry_after", "", v("retry_after", "4"), rl{RetryAfter: 4, HasRetryAfter: true}},
		{"aliases: Retry-After", "", v("Retry-After", "4"), rl{RetryAfter: 4, HasRetryAfter: true}},
		{"aliases: RETRYAFTER", "", v("RETRYAFTER", "4"), rl{RetryAfter: 4, HasRetryAfter: true}},
		{"aliases: ratelimit_remaining", "", v("ratelimit_remaining", "2", "ratelimit_limit", "10"),
			rl{Remaining: 2, HasRemaining: true, Limit: 10, HasLimit: true, Family: "ratelimit-draft"}},
		{"aliases: x_ratelimit_remaining", "", v("x_ratelimit_remaining", "2"),
			rl{Remaining: 2, HasRemaining: true, Family: "x-ratelimit"}},
		{"aliases: inin_ratelimit_allowed", "", v("inin_ratelimit_allowed", "20", "inin_ratelimit_count", "4"),
			rl{Limit: 20, HasLimit: true, Used: 4, HasUsed: true, Remaining: 16, HasRemaining: true, Family: "inin"}},
		{"RateLimit structured field in a variable", "", v(VarRateLimit, `"default";r=3;t=9`, VarRLPolicy, `"default";q=30;w=10`),
			rl{Remaining: 3, HasRemaining: true, Reset: 9, HasReset: true, Limit: 30, HasLimit: true, Window: 10, HasWindow: true,
				Family: "ratelimit", Policy: "default"}},
		{"HTTP-date with respDate", "", v(VarRetryAfter, "Wed, 21 Oct 2026 07:28:07 GMT", VarDate, "Wed, 21 Oct 2026 07:28:01 GMT"),
			rl{RetryAfter: 6, HasRetryAfter: true, RetryAfterDate: true}},
		{"HTTP-date without respDate: vs sample end", "", v(VarRetryAfter, "Wed, 21 Oct 2026 07:28:07 GMT"),
			rl{RetryAfter: 7, HasRetryAfter: true, RetryAfterDate: true}},
		{"headers win over variables", "HTTP/1.1 429 x\nRetry-After: 9\n", v(VarRetryAfter, "3", VarRLRemaining, "1"),
			rl{RetryAfter: 9, HasRetryAfter: true, Remaining: 1, HasRemaining: true, Family: "sample-variables"}},
		{"header family wins over variable family", "HTTP/1.1 429 x\nX-RateLimit-Remaining: 0\n", v(VarRLRemaining, "7"),
			rl{Remaining: 0, HasRemaining: true, Family: "x-ratelimit"}},
		{"unrelated variables", "", v("attempt", "2", "token", "abc"), rl{}},
	} {
		s := Sample{Start: end - 250, Elapsed: 250, Headers: Headers(tc.headers), Variables: tc.vars}
		if got := s.RateLimit(); got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestRateLimitUsesTimestampWhenStartIsUnset(t *testing.T) {
	// A Sample built by hand (or a child the Reader did not derive) has no Start.
	s := Sample{Timestamp: rlMsAt(2026, 10, 21, 7, 28, 0, 0), Elapsed: 1000,
		Headers: "HTTP/1.1 429 x\nRetry-After: Wed, 21 Oct 2026 07:28:11 GMT\n"}
	if rl := s.RateLimit(); rl.RetryAfter != 10 {
		t.Errorf("RetryAfter %v, want 10 (date minus timestamp+elapsed)", rl.RetryAfter)
	}
}

func TestRateLimitDoesNotAllocate(t *testing.T) {
	scenario := Sample{Start: 1795720084195, Elapsed: 3, Headers: "HTTP/1.1 429 Too Many Requests\n" +
		"Content-Type: application/json\nRetry-After: 9\nInin-Ratelimit-Allowed: 20\nInin-Ratelimit-Count: 21\n" +
		"Inin-Ratelimit-Reset: 3\nDate: Thu, 26 Nov 2026 19:08:04 GMT\nContent-Length: 168\n",
		Variables: []Variable{{Name: "retryAfter", Value: "9", Set: true}}}
	structured := Sample{Headers: "HTTP/1.1 429 x\nRateLimit-Policy: \"permin\";q=50;w=60, \"perhr\";q=1000;w=3600\n" +
		"RateLimit: \"permin\";r=0;t=20, \"perhr\";r=800;t=3000\nDate: Thu, 26 Nov 2026 19:08:04 GMT\nX-RateLimit-Reset: 1795720090\n"}
	dated := Sample{Headers: "HTTP/1.1 429 x\nDate: Thu, 26 Nov 2026 19:08:04 GMT\nRetry-After: Thu, 26 Nov 2026 19:08:09 GMT\n"}
	csv := Sample{Variables: []Variable{{Name: "retryAfter", Value: "", Set: true}, {Name: "rlRemaining", Value: "4", Set: true}}}
	for name, s := range map[string]*Sample{"none": {}, "scenario": &scenario, "structured": &structured, "dated": &dated, "csv": &csv} {
		if !s.RateLimit().Any() && name != "none" {
			t.Fatalf("%s: no values, the test is void", name)
		}
		if n := testing.AllocsPerRun(100, func() { _ = s.RateLimit() }); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
}

func BenchmarkRateLimit(b *testing.B) {
	s := Sample{Start: 1795720084195, Elapsed: 3, Headers: "HTTP/1.1 429 Too Many Requests\n" +
		"Content-Type: application/json\nRetry-After: 9\nInin-Ratelimit-Allowed: 20\nInin-Ratelimit-Count: 21\n" +
		"Inin-Ratelimit-Reset: 3\nDate: Thu, 26 Nov 2026 19:08:04 GMT\nContent-Length: 168\n"}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.RateLimit()
	}
}
