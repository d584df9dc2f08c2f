package jtl

import (
	"encoding/xml"
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// xmlGen is an io.Reader that writes an XML JTL of n samples on the fly,
// like a JMeter 2.13 run with response headers: about 700 bytes per sample,
// every third one a 429 with Retry-After, some with a nested redirect, a
// response body now and then, distinct URLs and Date headers.
type xmlGen struct {
	n, i int
	buf  []byte
	off  int
	done bool
}

func newXMLGen(n int) *xmlGen {
	g := &xmlGen{n: n}
	g.buf = append(g.buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testResults version=\"1.2\">\n"...)
	return g
}

func (g *xmlGen) Read(p []byte) (int, error) {
	for g.off == len(g.buf) {
		if g.done {
			return 0, io.EOF
		}
		g.buf, g.off = g.buf[:0], 0
		if g.i == g.n {
			g.buf = append(g.buf, "</testResults>\n"...)
			g.done = true
			break
		}
		g.buf = appendGenSample(g.buf, g.i)
		g.i++
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

var genDate = time.Date(2026, 11, 26, 19, 8, 4, 0, time.UTC)

func appendGenSample(b []byte, i int) []byte {
	ts := genDate.UnixMilli() + int64(i)*7
	thread := strconv.Itoa(1 + i%200)
	code, msg, ok := "200", "OK", "true"
	if i%3 == 0 {
		code, msg, ok = "429", "Too Many Requests", "false"
	}
	b = append(b, `<httpSample t="`...)
	b = strconv.AppendInt(b, int64(20+i%50), 10)
	b = append(b, `" lt="`...)
	b = strconv.AppendInt(b, int64(19+i%50), 10)
	b = append(b, `" ct="0" ts="`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `" s="`+ok+`" lb="GET script" rc="`+code+`" rm="`+msg+`" tn="Agents 1-`...)
	b = append(b, thread...)
	b = append(b, `" dt="text" by="3356" ng="200" na="200" retryAfter="`...)
	if code == "429" {
		b = strconv.AppendInt(b, int64(1+i%15), 10)
	}
	b = append(b, "\">\n"...)
	if i%10 == 5 {
		// A redirect hop, nested.
		b = append(b, `  <httpSample t="5" lt="5" ct="0" ts="`...)
		b = strconv.AppendInt(b, ts, 10)
		b = append(b, `" s="true" lb="GET script-0" rc="302" rm="Found" tn="Agents 1-`...)
		b = append(b, thread...)
		b = append(b, "\" dt=\"text\" by=\"120\" ng=\"200\" na=\"200\">\n    <java.net.URL>http://127.0.0.1:54731/old</java.net.URL>\n  </httpSample>\n"...)
	}
	b = append(b, "  <responseHeader class=\"java.lang.String\">HTTP/1.1 "+code+" "+msg+"\nContent-Length: 3168\nContent-Type: application/json\n"...)
	if code == "429" {
		b = append(b, "Retry-After: "...)
		b = strconv.AppendInt(b, int64(1+i%15), 10)
		b = append(b, '\n')
	}
	b = append(b, "Inin-Ratelimit-Allowed: 20\nInin-Ratelimit-Count: "...)
	b = strconv.AppendInt(b, int64(i%25), 10)
	b = append(b, "\nInin-Ratelimit-Reset: 3\nDate: "...)
	b = genDate.Add(time.Duration(i)*7*time.Millisecond).AppendFormat(b, "Mon, 02 Jan 2006 15:04:05 GMT")
	b = append(b, "\n</responseHeader>\n"...)
	if i%50 == 7 {
		b = append(b, "  <responseData class=\"java.lang.String\">{&quot;error&quot;:&quot;rate limited&quot;,&quot;pad&quot;:&quot;"...)
		for k := 0; k < 40; k++ {
			b = append(b, "0123456789abcdef"...)
		}
		b = append(b, "&quot;}</responseData>\n"...)
	}
	b = append(b, "  <java.net.URL>http://127.0.0.1:54731/api/v2/scripts/"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "</java.net.URL>\n</httpSample>\n"...)
	return b
}

// TestXMLMemoryIsFlat streams more than 200 MB of XML results through the
// reader and checks that the heap stays small: memory must not grow with
// the input.
func TestXMLMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200 MB")
	}
	const minBytes = 200 << 20
	// Size the run from one sample's length.
	per := len(appendGenSample(nil, 1))
	n := minBytes/per + 1000
	counter := &xmlCountingReader{r: newXMLGen(n)}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc

	r, err := NewReader(counter, "generated", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var peak uint64
	got, children, ras := 0, 0, 0
	for r.Scan() {
		s := r.Sample()
		children += len(s.Children)
		if s.RateLimit().HasRetryAfter {
			ras++
		}
		got++
		if got%10000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if err := r.Err(); err != nil || len(r.Warnings()) != 0 {
		t.Fatalf("err %v, warnings %v", err, r.Warnings())
	}
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	if counter.n < minBytes {
		t.Fatalf("read only %d bytes", counter.n)
	}
	// Every sample read, children nested (i%10 == 5), every third a 429.
	if got != n || children != (n+4)/10 || ras != (n+2)/3 {
		t.Errorf("%d samples (want %d), %d children (want %d), %d Retry-After (want %d)", got, n, children, (n+4)/10, ras, (n+2)/3)
	}
	const bound = 32 << 20
	grow := int64(peak) - int64(base)
	t.Logf("%d samples, %d MB read; heap before %d KiB, peak %d KiB", got, counter.n>>20, base>>10, peak>>10)
	if grow > bound {
		t.Errorf("heap grew by %d MiB while reading %d MB, want under %d MiB", grow>>20, counter.n>>20, bound>>20)
	}
}

type xmlCountingReader struct {
	r io.Reader
	n int64
}

func (c *xmlCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// BenchmarkReaderXML reads generated XML results (JMeter 2.13 layout with
// response headers, see xmlGen) and reports samples/s and MB/s.
func BenchmarkReaderXML(b *testing.B) {
	const n = 20000
	data, err := io.ReadAll(newXMLGen(n))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := time.Now()
	samples := 0
	for b.Loop() {
		r, err := NewReader(&xmlSliceReader{b: data}, "bench", Options{})
		if err != nil {
			b.Fatal(err)
		}
		for r.Scan() {
			samples++
		}
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
	b.ReportMetric(float64(samples)/time.Since(start).Seconds(), "samples/s")
}

// BenchmarkReaderXMLRateLimit is BenchmarkReaderXML plus Sample.RateLimit on
// every sample, as the analysis does.
func BenchmarkReaderXMLRateLimit(b *testing.B) {
	data, err := io.ReadAll(newXMLGen(20000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := time.Now()
	samples := 0
	for b.Loop() {
		r, _ := NewReader(&xmlSliceReader{b: data}, "bench", Options{})
		for r.Scan() {
			_ = r.Sample().RateLimit()
			samples++
		}
	}
	b.ReportMetric(float64(samples)/time.Since(start).Seconds(), "samples/s")
}

// xmlSliceReader is bytes.Reader without WriteTo, so the reader sees ordinary reads.
type xmlSliceReader struct {
	b   []byte
	off int
}

func (s *xmlSliceReader) Read(p []byte) (int, error) {
	if s.off == len(s.b) {
		return 0, io.EOF
	}
	n := copy(p, s.b[s.off:])
	s.off += n
	return n, nil
}

// BenchmarkEncodingXMLTokens tokenizes the same input with encoding/xml
// (Token, no values kept): a reference for BenchmarkReaderXML.
func BenchmarkEncodingXMLTokens(b *testing.B) {
	data, err := io.ReadAll(newXMLGen(20000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		dec := xml.NewDecoder(&xmlSliceReader{b: data})
		for {
			if _, err := dec.Token(); err != nil {
				break
			}
		}
	}
}
