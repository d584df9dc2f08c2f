package sim

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"jmtune/internal/testenv"
	"jmtune/internal/testserver"
)

// realScenario is what a ../shared/scenarios folder says about a real
// JMeter 2.13 run.
type realScenario struct {
	props    map[string]string
	flags    string
	expected struct {
		Onset struct {
			Threads *int `json:"threads"`
		} `json:"onset"`
		Observed struct {
			Rows           int       `json:"rows"`
			ThrottledShare float64   `json:"throttled_share"`
			RetryAfter     []float64 `json:"retry_after_server"`
		} `json:"observed"`
	}
}

func loadReal(t *testing.T, dir string) realScenario {
	t.Helper()
	var rs realScenario
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rs.expected); err != nil {
		t.Fatal(err)
	}
	f, err := os.ReadFile(filepath.Join(dir, "server.flags"))
	if err != nil {
		t.Fatal(err)
	}
	rs.flags = string(f)
	rs.props = map[string]string{}
	pf, err := os.Open(filepath.Join(dir, "run.properties"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	sc := bufio.NewScanner(pf)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			rs.props[k] = v
		}
	}
	return rs
}

func (rs realScenario) dur(t *testing.T, key string, unit time.Duration) time.Duration {
	n, err := strconv.Atoi(rs.props[key])
	if err != nil {
		t.Fatalf("run.properties %s=%q", key, rs.props[key])
	}
	return time.Duration(n) * unit
}

// TestAgainstRealJMeter replays the real JMeter runs of ../shared/scenarios
// in the simulator (same server flags through the test server's parser,
// same plan parameters, loopback network) and checks that the simulator
// throttles about as much, from about the same thread count, with the same
// Retry-After range. This is what makes the simulator's scenarios stand in
// for real runs.
func TestAgainstRealJMeter(t *testing.T) {
	root := filepath.Join(testenv.Shared(t), "scenarios")
	for _, name := range []string{"P1-fixed-400-per-20s", "P2-token-30ps-b30", "P3-per-user-fixed-20-per-5s"} {
		t.Run(name, func(t *testing.T) {
			rs := loadReal(t, filepath.Join(root, name))
			srv, err := testserver.ParseArgs(strings.Fields(rs.flags), nil)
			if err != nil {
				t.Fatal(err)
			}
			threads, _ := strconv.Atoi(rs.props["threads"])
			cfg := Config{Seed: 1,
				Groups: []Group{agents(threads, rs.dur(t, "ramp", time.Second), rs.dur(t, "duration", time.Second),
					UniformTimer(rs.dur(t, "think", time.Millisecond), rs.dur(t, "thinkrange", time.Millisecond)),
					Uniform(srv.Latency-srv.Jitter, 2*srv.Jitter))},
				Server:  Server{Levels: srv.Levels, Responder: srv.Responder, RejectTime: Const(200 * time.Microsecond)},
				Network: Network{OneWay: 300 * time.Microsecond, Jitter: 100 * time.Microsecond},
			}
			r, err := Simulate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ex := Expect(r)
			real := rs.expected.Observed
			t.Logf("rows %d (real %d), throttled %.3f (real %.3f), onset %v (real %v), Retry-After %v (real %v)",
				ex.Observed.Rows, real.Rows, ex.Observed.ThrottledShare, real.ThrottledShare,
				deref(ex.Onset.Threads), deref(rs.expected.Onset.Threads), ex.Observed.RetryAfterS, real.RetryAfter)
			if math.Abs(float64(ex.Observed.Rows-real.Rows))/float64(real.Rows) > 0.05 {
				t.Errorf("%d rows, real JMeter made %d", ex.Observed.Rows, real.Rows)
			}
			if math.Abs(ex.Observed.ThrottledShare-real.ThrottledShare) > 0.03 {
				t.Errorf("throttled share %.3f, real %.3f", ex.Observed.ThrottledShare, real.ThrottledShare)
			}
			if (ex.Onset.Threads == nil) != (rs.expected.Onset.Threads == nil) ||
				ex.Onset.Threads != nil && abs(*ex.Onset.Threads-*rs.expected.Onset.Threads) > 5 {
				t.Errorf("onset %v threads, real %v", deref(ex.Onset.Threads), deref(rs.expected.Onset.Threads))
			}
			if len(real.RetryAfter) == 2 && (ex.Observed.RetryAfterS == nil ||
				math.Abs(ex.Observed.RetryAfterS[0]-real.RetryAfter[0]) > 1 || math.Abs(ex.Observed.RetryAfterS[1]-real.RetryAfter[1]) > 2) {
				t.Errorf("Retry-After range %v, real %v", ex.Observed.RetryAfterS, real.RetryAfter)
			}
		})
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
