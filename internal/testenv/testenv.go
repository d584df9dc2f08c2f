// Package testenv locates what some tests need beyond the repository: the
// shared material (../shared: corpus, scenarios, reference) and a real Apache
// JMeter. A fresh clone has neither, so such tests skip with a message that
// says what is missing; in CI (JMTUNE_CI=1, set by .ci/run) a missing piece
// fails the test instead, so that nothing is silently skipped there.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run under .ci/run.
func InCI() bool { return os.Getenv("JMTUNE_CI") == "1" }

// RepoRoot returns the directory holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// missing skips the test, or fails it in CI.
func missing(t testing.TB, what string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s (required in CI)", what)
	}
	t.Skip(what)
}

// Shared returns the shared material directory: $JMTUNE_SHARED, else
// ../shared beside the repository. The test skips (fails in CI) when it is
// absent.
func Shared(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("JMTUNE_SHARED")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared")
	}
	if fi, err := os.Stat(filepath.Join(dir, "corpus")); err != nil || !fi.IsDir() {
		missing(t, "shared material not found at "+dir+" (set JMTUNE_SHARED to its path)")
	}
	return dir
}

// JMeter returns the path of a JMeter launcher: $JMETER_BIN, else the one
// ../shared/jmeter/install.sh writes (/opt/jmeter-2.13/jmeter). The test
// skips (fails in CI) when none is found.
func JMeter(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("JMETER_BIN")
	if bin == "" {
		bin = "/opt/jmeter-2.13/jmeter"
	}
	if _, err := os.Stat(bin); err != nil {
		if p, err := exec.LookPath(bin); err == nil {
			return p
		}
		missing(t, "JMeter not found at "+bin+" (run ../shared/jmeter/install.sh as root, or set JMETER_BIN)")
	}
	return bin
}

// Chromium returns the path of a headless-capable Chromium, skipping (failing
// in CI) when none is installed.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM_BIN"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missing(t, "Chromium not found (apt-get install chromium, or set CHROMIUM_BIN)")
	return ""
}
