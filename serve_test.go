package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeCommand runs `jmtune serve` in-process: it prints the URL, serves
// the API with the flags' limit, stops after --for and writes the decision
// log.
func TestServeCommand(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "server.log.csv")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run([]string{"jmtune", "serve", "--algo", "fixed", "--limit", "1", "--window", "1m",
			"--latency", "1ms", "--for", "1s", "--log", logFile}, pw, io.Discard)
		pw.Close()
		done <- err
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("no address printed: %v", err)
	}
	base := strings.TrimSpace(line)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line %q, want the base URL", base)
	}
	go io.Copy(io.Discard, br)
	resp, err := http.PostForm(base+"/oauth/token", url.Values{"client_id": {"a"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := strings.Split(strings.Split(string(body), `"access_token":"`)[1], `"`)[0]
	var codes []int
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("GET", base+"/api/v2/scripts/1", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 200 || codes[1] != 429 {
		t.Errorf("codes %v, want [200 429] with --limit 1", codes)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "seq,recv_unix_ms") || !strings.Contains(lines[3], ",429,") {
		t.Errorf("log file:\n%s", b)
	}
	// An existing log is not overwritten without --force.
	err = run([]string{"jmtune", "serve", "--for", "1ms", "--log", logFile}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("overwrite without --force: %v", err)
	}
	var ue *usageError
	if err := run([]string{"jmtune", "serve", "--algo", "magic"}, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Errorf("bad --algo: %v, want a usage error", err)
	}
}
