package jtl

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzXML feeds arbitrary XML-looking input to the reader. It must not
// panic or loop, must give the same samples and warnings however the input
// is split into reads, and must report sensible lines.
func FuzzXML(f *testing.F) {
	files, _ := filepath.Glob("testdata/xml/*")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, uint8(7))
		}
	}
	f.Add([]byte("<testResults><httpSample lb=\"a\" t=\"1\"><sample lb=\"b\"/></httpSample></testResults>"), uint8(1))
	f.Add([]byte("<testResults>\n<httpSample lb=\"a\"\n<httpSample lb=\"b\"/>\n"), uint8(3))
	f.Add([]byte("<testResults><x><label>l</label><timeStamp>5</timeStamp></x><![CDATA[<]]><!--c-->"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		trim := bytes.TrimLeft(data, " \t\r\n\ufeff")
		if len(trim) == 0 || trim[0] != '<' {
			return // CSV: not this reader's input
		}
		whole, werr := fuzzReadAll(bytes.NewReader(data))
		split, serr := fuzzReadAll(&xmlChunkReader{data: data, size: int(chunk%64) + 1})
		if (werr == nil) != (serr == nil) {
			t.Fatalf("NewReader error depends on read sizes: %v / %v", werr, serr)
		}
		if werr != nil {
			if !errors.Is(werr, ErrNotJTL) {
				t.Fatalf("NewReader error %v does not wrap ErrNotJTL", werr)
			}
			return
		}
		if len(whole.samples) != len(split.samples) || len(whole.warns) != len(split.warns) || whole.skipped != split.skipped {
			t.Fatalf("read whole: %d samples %d warnings %d skipped; in chunks of %d: %d %d %d",
				len(whole.samples), len(whole.warns), whole.skipped, chunk%64+1, len(split.samples), len(split.warns), split.skipped)
		}
		prev := 0
		for i, s := range whole.samples {
			if xmlDump(s) != xmlDump(split.samples[i]) || s.Headers != split.samples[i].Headers {
				t.Fatalf("sample %d differs with chunked reads:\n%s\n%s", i, xmlDump(s), xmlDump(split.samples[i]))
			}
			if s.Line < prev || s.Line < 1 {
				t.Fatalf("sample %d at line %d after line %d", i, s.Line, prev)
			}
			prev = s.Line
			_ = s.RateLimit()
		}
		for i, w := range whole.warns {
			if w != split.warns[i] {
				t.Fatalf("warning %d differs: %v / %v", i, w, split.warns[i])
			}
		}
		if whole.samples != nil && len(whole.samples) > len(data) {
			t.Fatalf("%d samples from %d bytes", len(whole.samples), len(data))
		}
	})
}

type fuzzResult struct {
	samples []*Sample
	warns   []Warning
	skipped int
}

func fuzzReadAll(in io.Reader) (fuzzResult, error) {
	r, err := NewReader(in, "fuzz", Options{})
	if err != nil {
		return fuzzResult{}, err
	}
	var res fuzzResult
	for r.Scan() {
		res.samples = append(res.samples, r.Sample().Clone())
	}
	res.warns, res.skipped = r.Warnings(), r.Skipped()
	return res, r.Err()
}

// xmlChunkReader returns its data in reads of at most size bytes.
type xmlChunkReader struct {
	data []byte
	size int
}

func (c *xmlChunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.size, len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// FuzzXMLRateLimit checks that any response header block and variable gives
// finite, non-negative rate-limit values.
func FuzzXMLRateLimit(f *testing.F) {
	f.Add("HTTP/1.1 429 x\nRetry-After: 9\nDate: Thu, 26 Nov 2026 19:08:04 GMT\n", "retryAfter", "3", int64(1795720084195))
	f.Add("RateLimit: \"a\";r=0;t=5, \"b\";r=0;t=50\nRateLimit-Policy: \"a\";q=10;w=10, \"b\";q=100;w=100\n", "rlPolicy", "100;w=60", int64(0))
	f.Add("RateLimit-Limit: 100, 100;w=60\nX-Shopify-Shop-Api-Call-Limit: 32/40\n", "rateLimit", "limit=1, remaining=2, reset=3", int64(5))
	f.Add("inin-ratelimit-count: 1\ninin-ratelimit-allowed: 180\nX-RateLimit-Reset: 1792568280\n", "respDate", "Wed Oct 21 07:29:00 2026", int64(-5))
	f.Fuzz(func(t *testing.T, headers, name, value string, end int64) {
		s := Sample{Start: end, Headers: Headers(headers), Variables: []Variable{{Name: name, Value: value, Set: true}}}
		rl := s.RateLimit()
		for _, v := range []float64{rl.RetryAfter, rl.Limit, rl.Remaining, rl.Used, rl.Reset, rl.Window} {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("value %v in %+v", v, rl)
			}
		}
		if sec, _, ok := ParseRetryAfter(value, headers, end); sec < 0 || math.IsNaN(sec) || (!ok && sec != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", value, sec, ok)
		}
	})
}
