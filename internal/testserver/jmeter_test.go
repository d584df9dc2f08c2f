package testserver

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"jmtune/internal/testenv"
)

// TestRealJMeter runs real JMeter (the scenarios' plan, 12 threads for
// 15 s) against the test server and checks, from the server's decision
// log and JMeter's CSV: the limit was respected (every throttled window
// admitted exactly its limit, none more), every request JMeter logged was
// decided by the server, and each 429 row carries the Retry-After the server
// sent.
func TestRealJMeter(t *testing.T) {
	if testing.Short() {
		t.Skip("runs JMeter for about 20 s")
	}
	jmeter := testenv.JMeter(t)
	plan := filepath.Join(testenv.Shared(t), "scenarios", "P1-fixed-400-per-20s", "plan.jmx")
	srv := start(t, "--algo fixed --limit 40 --window 5s --scope org --retry-after reset --headers x-ratelimit --latency 5ms±3ms")
	dir := t.TempDir()
	out := filepath.Join(dir, "results.csv")
	cmd := exec.Command(jmeter, "-n", "-t", plan, "-l", out, "-j", filepath.Join(dir, "jmeter.log"),
		"-Jport="+strconv.Itoa(srv.Port), "-Jthreads=12", "-Jramp=3", "-Jduration=15", "-Jthink=100", "-Jthinkrange=100",
		"-Jretries=0", "-Jxmlout="+filepath.Join(dir, "results.xml"),
		"-Jjmeter.save.saveservice.print_field_names=true", "-Jsample_variables=retryAfter")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("jmeter: %v\n%s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("JMeter wrote no results: %v (see jmeter.log)", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.Trim(h, `"`)] = i
	}
	rows = rows[1:]
	log := srv.Log()
	if len(rows) < 200 || len(rows) != len(log) {
		t.Fatalf("JMeter logged %d samples, the server decided %d requests", len(rows), len(log))
	}
	var n429 int
	ras := map[string]int{}
	for _, r := range log {
		if r.Code == 429 {
			ras[r.RetryAfter]++
		}
	}
	for _, row := range rows {
		if row[col["responseCode"]] != "429" {
			continue
		}
		n429++
		ra := row[col["retryAfter"]]
		if ras[ra] == 0 {
			t.Fatalf("a 429 row has retryAfter %q that the server never sent", ra)
		}
		ras[ra]--
	}
	if n429 == 0 {
		t.Fatal("no 429s: 12 threads at ~5 req/s each should exceed 40 per 5 s")
	}
	type win struct{ adm, thr int }
	wins := map[int64]*win{}
	for _, r := range log {
		if !r.Limited {
			continue
		}
		k := r.MonoNs / 5e9
		if wins[k] == nil {
			wins[k] = &win{}
		}
		if r.Code == 429 {
			wins[k].thr++
		} else {
			wins[k].adm++
		}
	}
	for k, w := range wins {
		if w.adm > 40 || (w.thr > 0 && w.adm != 40) {
			t.Errorf("window %d: %d admitted, %d throttled; want at most 40, exactly 40 when throttled", k, w.adm, w.thr)
		}
	}
}
