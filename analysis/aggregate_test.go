package analysis

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"jmtune/jtl"
)

// sample builds a CSV-like sample with a timestamp.
func sample(label string, start, elapsed int64, code string, ok bool) *jtl.Sample {
	return &jtl.Sample{
		Has:   jtl.FieldTimestamp | jtl.FieldElapsed | jtl.FieldLabel | jtl.FieldResponseCode | jtl.FieldSuccess | jtl.FieldBytes | jtl.FieldSentBytes,
		Start: start, Timestamp: start, Elapsed: elapsed, Label: label, ResponseCode: code, Success: ok,
		SampleCount: 1, Bytes: 1000, SentBytes: 100,
	}
}

func rowOf(t *testing.T, rep *AggregateReport, label string) AggregateRow {
	t.Helper()
	for _, r := range rep.Labels {
		if r.Label == label {
			return r
		}
	}
	t.Fatalf("label %q not in report", label)
	return AggregateRow{}
}

func TestAggregateCountsAndThroughput(t *testing.T) {
	a := NewAggregate()
	// login: 4 samples from t=0 to t=2000 (last starts at 1500, takes 500).
	a.Add(sample("login", 0, 100, "200", true))
	a.Add(sample("script", 200, 50, "200", true))
	a.Add(sample("login", 500, 300, "429", false))
	a.Add(sample("login", 1000, 200, "200", true))
	a.Add(sample("script", 300, 70, "Non HTTP response code: java.net.SocketTimeoutException", false))
	a.Add(sample("login", 1500, 500, "429", false))
	rep := a.Result()

	if len(rep.Labels) != 2 || rep.Labels[0].Label != "login" || rep.Labels[1].Label != "script" {
		t.Fatalf("labels not in order of first appearance: %+v", rep.Labels)
	}
	login := rowOf(t, rep, "login")
	if login.Samples != 4 || login.Errors != 2 || login.ErrorPct != 50 {
		t.Errorf("login samples/errors/pct = %d/%d/%g, want 4/2/50", login.Samples, login.Errors, login.ErrorPct)
	}
	if login.Code("429") != 2 || login.Code("200") != 2 {
		t.Errorf("login codes = %+v", login.Codes)
	}
	// Span 0..2000 ms: 4 samples / 2 s.
	if login.SpanS != 2 || login.ThroughputPerS != 2 {
		t.Errorf("login span %g s, throughput %g/s; want 2 s, 2/s", login.SpanS, login.ThroughputPerS)
	}
	if login.ReceivedKBPerS != 4000.0/1024/2 || login.SentKBPerS != 400.0/1024/2 {
		t.Errorf("login KB/s = %g/%g", login.ReceivedKBPerS, login.SentKBPerS)
	}
	if login.MeanMs != 275 || login.MinMs != 100 || login.MaxMs != 500 {
		t.Errorf("login mean/min/max = %g/%g/%g, want 275/100/500", login.MeanMs, login.MinMs, login.MaxMs)
	}
	// Nearest rank: sorted 100 200 300 500; p50 rank 2 = 200, p90 rank round(3.6)=4 = 500.
	if login.P50Ms != 200 || login.P90Ms != 500 {
		t.Errorf("login p50/p90 = %g/%g, want 200/500", login.P50Ms, login.P90Ms)
	}
	// Population standard deviation of 100 200 300 500.
	if want := math.Sqrt((175*175 + 75*75 + 25*25 + 225*225) / 4.0); math.Abs(login.StdDevMs-want) > 1e-9 {
		t.Errorf("login stddev = %g, want %g", login.StdDevMs, want)
	}
	script := rowOf(t, rep, "script")
	if got := script.Codes; len(got) != 2 || got[0].Code != "200" || got[1].Code[:3] != "Non" {
		t.Errorf("codes not numeric-first: %+v", got)
	}
	if rep.Total.Samples != 6 || rep.Total.Errors != 3 || rep.Total.Kind != KindTotal {
		t.Errorf("total = %+v", rep.Total)
	}
	if rep.Total.SpanS != 2 || rep.Total.ThroughputPerS != 3 {
		t.Errorf("total span %g throughput %g, want 2 and 3", rep.Total.SpanS, rep.Total.ThroughputPerS)
	}
}

func TestAggregateTransactionsAndSubResultsLeftOutOfTotal(t *testing.T) {
	a := NewAggregate()
	a.Add(sample("get", 0, 100, "200", true))
	sub := sample("get-0", 0, 40, "302", true)
	sub.SubResult = true
	a.Add(sub)
	a.Add(sample("post", 100, 50, "429", false))
	tx := sample("TX login", 0, 150, "429", false)
	tx.Transaction = true
	tx.Bytes = 2000
	a.Add(tx)
	rep := a.Result()
	if len(rep.Labels) != 4 {
		t.Fatalf("want 4 labels listed, got %d", len(rep.Labels))
	}
	if k := rowOf(t, rep, "TX login").Kind; k != KindTransaction {
		t.Errorf("TX kind = %q", k)
	}
	if k := rowOf(t, rep, "get-0").Kind; k != KindSubResult {
		t.Errorf("get-0 kind = %q", k)
	}
	if k := rowOf(t, rep, "get").Kind; k != KindSample {
		t.Errorf("get kind = %q", k)
	}
	tot := rep.Total
	if tot.Samples != 2 || tot.Errors != 1 || tot.Code("302") != 0 || tot.Code("429") != 1 || tot.ReceivedBytes != 2000 {
		t.Errorf("total must hold only get and post: %+v", tot)
	}
	if tot.MaxMs != 100 {
		t.Errorf("total max = %g: TX (150 ms) leaked into it", tot.MaxMs)
	}
}

func TestAggregateStatisticalRows(t *testing.T) {
	a := NewAggregate()
	// A Statistical row: 10 samples, 3 failed, 2000 ms in all (200 ms each).
	s := sample("api", 0, 2000, "200", false)
	s.Has |= jtl.FieldSampleCount | jtl.FieldErrorCount
	s.SampleCount, s.ErrorCount = 10, 3
	a.Add(s)
	a.Add(sample("api", 1000, 1000, "200", true)) // one ordinary row
	r := a.Result().Labels[0]
	if r.Rows != 2 || r.Samples != 11 || r.Errors != 3 {
		t.Errorf("rows/samples/errors = %d/%d/%d, want 2/11/3", r.Rows, r.Samples, r.Errors)
	}
	if r.MeanMs != 3000.0/11 || r.MinMs != 200 || r.MaxMs != 1000 || r.P90Ms != 200 {
		t.Errorf("mean/min/max/p90 = %g/%g/%g/%g, want %g/200/1000/200", r.MeanMs, r.MinMs, r.MaxMs, r.P90Ms, 3000.0/11)
	}
	if r.Code("200") != 11 {
		t.Errorf("codes weighted by SampleCount: %+v", r.Codes)
	}
	// Without an ErrorCount column a failed Statistical row counts all its samples as errors.
	b := NewAggregate()
	s2 := sample("api", 0, 100, "500", false)
	s2.SampleCount = 4
	b.Add(s2)
	if e := b.Result().Total.Errors; e != 4 {
		t.Errorf("errors without ErrorCount = %d, want 4", e)
	}
}

func TestAggregatePercentilesMatchExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	a := NewAggregate()
	var all []float64
	byLabel := map[string][]float64{}
	labels := []string{"login", "script", "logout"}
	for i := 0; i < 50_000; i++ {
		l := labels[r.IntN(3)]
		e := int64(math.Round(math.Exp(5 + r.NormFloat64())))
		a.Add(sample(l, int64(i*10), e, "200", true))
		all = append(all, float64(e))
		byLabel[l] = append(byLabel[l], float64(e))
	}
	rep := a.Result()
	check := func(name string, row AggregateRow, vals []float64) {
		sort.Float64s(vals)
		for _, p := range []struct {
			q   float64
			got float64
		}{{0.5, row.P50Ms}, {0.9, row.P90Ms}, {0.95, row.P95Ms}, {0.99, row.P99Ms}} {
			want := vals[int(math.Round(p.q*float64(len(vals))))-1]
			if math.Abs(p.got-want) > 0.01*want {
				t.Errorf("%s p%g = %g, exact %g: more than 1%% off", name, 100*p.q, p.got, want)
			}
		}
	}
	for _, l := range labels {
		check(l, rowOf(t, rep, l), byLabel[l])
	}
	check("total", rep.Total, all)
}

func TestAggregateAddDoesNotAllocate(t *testing.T) {
	a := NewAggregate()
	s1 := sample("login", 0, 100, "200", true)
	s2 := sample("script", 10, 3000, "429", false)
	a.Add(s1)
	a.Add(s2)
	// The reader reuses its Sample: labels with new backing arrays must
	// still be found without allocating.
	l1 := string([]byte("login"))
	allocs := testing.AllocsPerRun(1000, func() {
		s1.Label = l1
		a.Add(s1)
		a.Add(s2)
	})
	if allocs != 0 {
		t.Errorf("Add allocates %v times per call", allocs)
	}
}

func TestAggregateResultIsSnapshot(t *testing.T) {
	a := NewAggregate()
	a.Add(sample("x", 0, 10, "200", true))
	first := a.Result()
	a.Add(sample("x", 10, 20, "200", true))
	if first.Labels[0].Hist.Count() != 1 || first.Labels[0].Samples != 1 {
		t.Error("a Result must not change when more samples are added")
	}
	if a.Result().Labels[0].Samples != 2 {
		t.Error("Add after Result must keep counting")
	}
}

func BenchmarkAggregateAdd(b *testing.B) {
	labels := []string{"login", "get script", "logout", "get script-0"}
	samples := make([]*jtl.Sample, 1024)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range samples {
		code := "200"
		if r.IntN(10) == 0 {
			code = "429"
		}
		samples[i] = sample(labels[r.IntN(len(labels))], int64(i*7), int64(math.Exp(5+r.NormFloat64())), code, code == "200")
	}
	a := NewAggregate()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Add(samples[i&1023])
	}
}

func TestCodeCountsJSON(t *testing.T) {
	cc := CodeCounts{{"200", 95}, {"429", 5}, {"Non HTTP response code: x", 1}}
	b, err := json.Marshal(cc)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"200":95,"429":5,"Non HTTP response code: x":1}`; string(b) != want {
		t.Errorf("marshal: %s, want %s", b, want)
	}
	var back CodeCounts
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != 3 || back[0] != cc[0] || back[1] != cc[1] || back[2] != cc[2] {
		t.Errorf("round trip: %v", back)
	}
}

func TestAggregateSentBytesUnknown(t *testing.T) {
	a := NewAggregate()
	s := sample("get", 0, 10, "200", true)
	s.Has &^= jtl.FieldSentBytes // a JMeter 2.13 file
	s.SentBytes = 0
	a.Add(s)
	if r := a.Result(); !r.Labels[0].NoSentBytes || !r.Total.NoSentBytes {
		t.Error("rows without sentBytes must leave it unknown")
	}
	a.Add(sample("get", 10, 10, "200", true))
	if r := a.Result(); r.Labels[0].NoSentBytes || r.Total.NoSentBytes {
		t.Error("one row with sentBytes makes it known")
	}
}

// TestAggregateCountsTransactionChildren: an XML transaction parent written
// with "Generate parent sample" holds its samples as children. They are
// counted under their own labels (a nested transaction listed like a
// top-level one, its children counted), the parents are listed but left out
// of Total, and an HTTP sample's own sub-samples (a redirect hop) are not
// counted again.
func TestAggregateCountsTransactionChildren(t *testing.T) {
	hop := *sample("http://x/login?r=/home", 0, 30, "302", true)
	login := *sample("GET login", 0, 50, "200", true)
	login.Children = []jtl.Sample{hop}
	script := *sample("GET script", 60, 20, "429", false)
	inner := *sample("TX inner", 100, 40, "200", true)
	inner.ResponseMessage = jtl.TransactionPrefix + " : 1, number of failing samples : 0"
	inner.Children = []jtl.Sample{*sample("GET status", 100, 40, "200", true)}
	tx := sample("TX fetch", 0, 140, "429", false)
	tx.Transaction = true
	tx.Children = []jtl.Sample{login, script, inner}

	a := NewAggregate()
	a.Add(tx)
	a.Add(tx)
	rep := a.Result()
	if rep.Rows != 2 {
		t.Errorf("rows = %d; want the 2 rows added", rep.Rows)
	}
	want := map[string]struct {
		samples int64
		kind    string
	}{"TX fetch": {2, KindTransaction}, "GET login": {2, KindSample}, "GET script": {2, KindSample},
		"TX inner": {2, KindTransaction}, "GET status": {2, KindSample}}
	if len(rep.Labels) != len(want) {
		t.Errorf("labels %d; want %d (no row for the redirect hop)", len(rep.Labels), len(want))
	}
	for label, w := range want {
		r := rowOf(t, rep, label)
		if r.Samples != w.samples || r.Kind != w.kind {
			t.Errorf("%s: %d samples, kind %s; want %d, %s", label, r.Samples, r.Kind, w.samples, w.kind)
		}
	}
	// Total: the three leaves, twice: login 200, script 429, status 200.
	tot := rep.Total
	if tot.Samples != 6 || tot.Errors != 2 || tot.Code("200") != 4 || tot.Code("429") != 2 || tot.Code("302") != 0 {
		t.Errorf("total %d samples, %d errors, codes %+v; want 6, 2, 200x4 429x2", tot.Samples, tot.Errors, tot.Codes)
	}
	if tot.MaxMs != 50 {
		t.Errorf("total max %g ms: a transaction (140 ms) leaked into it", tot.MaxMs)
	}
}

// TestAggregateCSVTransactionSubResults: JMeter 5.x writes the samples of a
// transaction parent ("Generate parent sample") as sub-result rows "<TX>-n"
// after it; they count, where the sub-results of an HTTP sample (its
// redirect hops) do not, also when the rows of two files interleave.
func TestAggregateCSVTransactionSubResults(t *testing.T) {
	row := func(file, label string, sub, tx bool) *jtl.Sample {
		s := sample(label, 0, 10, "200", true)
		s.File, s.SubResult, s.Transaction = file, sub, tx
		return s
	}
	a := NewAggregate()
	a.Add(row("a.csv", "TX", false, true))
	a.Add(row("b.csv", "GET home", false, false))
	a.Add(row("a.csv", "TX-0", true, false))       // a sample of TX
	a.Add(row("b.csv", "GET home-0", true, false)) // a redirect hop of GET home
	a.Add(row("a.csv", "TX-1", true, false))
	rep := a.Result()
	if k := rowOf(t, rep, "TX-0").Kind; k != KindSample {
		t.Errorf("TX-0 kind %q; want sample", k)
	}
	if k := rowOf(t, rep, "GET home-0").Kind; k != KindSubResult {
		t.Errorf("GET home-0 kind %q; want sub-result", k)
	}
	if rep.Total.Samples != 3 {
		t.Errorf("total %d; want 3 (GET home, TX-0, TX-1)", rep.Total.Samples)
	}
}

// TestAggregateRealTransactionXML reads a JMeter 2.13 XML file whose only
// top-level samples are transaction parents: 2 parents, each with a
// "GET login" (followed through a redirect: two sub-samples) and a
// "GET script", as the file shows. Before children were counted its TOTAL
// was 0.
func TestAggregateRealTransactionXML(t *testing.T) {
	src, err := jtl.Open([]string{"../jtl/testdata/xml/jmeter213.jtl"}, jtl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	a := NewAggregate()
	parents, leaves, hops := 0, 0, 0
	for src.Scan() {
		s := src.Sample()
		if s.Transaction {
			parents++
			for _, c := range s.Children {
				leaves++
				hops += len(c.Children)
			}
		}
		a.Add(s)
	}
	rep := a.Result()
	if parents == 0 || hops == 0 {
		t.Fatalf("%d parents, %d redirect hops: the file no longer shows what the test needs", parents, hops)
	}
	if rep.Total.Samples != int64(leaves) {
		t.Errorf("total %d samples; want the %d children of the %d parents (not their %d redirect hops)", rep.Total.Samples, leaves, parents, hops)
	}
	if r := rowOf(t, rep, "GET script"); r.Samples == 0 || r.Kind != KindSample {
		t.Errorf("GET script row %+v", r)
	}
}

// TestAggregateAddFilteredFindsTransactionChildren: a filter on labels
// finds the samples inside a transaction whose own label it rejects; the
// row counts as kept when anything of it was.
func TestAggregateAddFilteredFindsTransactionChildren(t *testing.T) {
	tx := sample("TX fetch", 0, 140, "429", false)
	tx.Transaction = true
	tx.Children = []jtl.Sample{*sample("GET login", 0, 50, "200", true), *sample("GET script", 60, 20, "429", false)}
	other := sample("GET other", 200, 10, "200", true)
	var seen []string
	keep := func(s *jtl.Sample) bool {
		seen = append(seen, s.Label)
		return s.Label == "GET script"
	}
	a := NewAggregate()
	if !a.AddFiltered(tx, keep) {
		t.Error("the transaction holding GET script was not kept")
	}
	if a.AddFiltered(other, keep) {
		t.Error("GET other was kept")
	}
	if want := "TX fetch,GET login,GET script,GET other"; strings.Join(seen, ",") != want {
		t.Errorf("keep saw %v; want %s (the row first, then its children, in order)", seen, want)
	}
	rep := a.Result()
	if rep.Rows != 1 || len(rep.Labels) != 1 || rep.Labels[0].Label != "GET script" || rep.Total.Samples != 1 {
		t.Errorf("rows %d, labels %+v, total %d; want 1 row, only GET script, 1 sample", rep.Rows, rep.Labels, rep.Total.Samples)
	}
}
