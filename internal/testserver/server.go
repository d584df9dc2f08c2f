// Package testserver is a small rate-limited HTTP API for tests and manual
// runs, shaped like the seed case (a contact-centre cloud API):
//
//	POST /oauth/token          returns {"access_token": "...", "token_type": "bearer", "expires_in": 86400}
//	GET  /api/v2/{res}/{id}    needs "Authorization: Bearer <token>"; limited; ~3 KB JSON
//
// Its limiter is an internal/limiter model with the server's clock passed in,
// so the same code is tested in virtual time by internal/sim. Every request
// is logged in decision order (Log, WriteLogCSV) so that tests can check
// what the server saw: "limit respected", "no retry before its Retry-After".
//
//	srv, err := testserver.Start(cfg)
//	defer srv.Close()
//	... point JMeter at srv.Host and srv.Port ...
//	for _, r := range srv.Log() { ... }
package testserver

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"jmtune/internal/limiter"
)

// Server is a running test server.
type Server struct {
	// URL is the base URL, e.g. "http://127.0.0.1:40123"; Host and Port are
	// its parts.
	URL  string
	Host string
	Port int

	cfg    Config
	ln     net.Listener
	http   *http.Server
	start  time.Time // monotonic
	startN int64     // Unix ns at start

	mu     sync.Mutex
	lim    *limiter.Limiter
	rng    *rand.Rand
	log    []Record
	tokens map[string]string // token -> client id
	nTok   int
	done   chan struct{}
}

// Start starts a server on cfg.Addr (default 127.0.0.1:0) and serves in the
// background until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.BodyBytes <= 0 {
		cfg.BodyBytes = 3000
	}
	s := &Server{cfg: cfg, tokens: map[string]string{}, done: make(chan struct{})}
	s.rng = rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15))
	s.start = time.Now()
	s.startN = s.start.UnixNano()
	if len(cfg.Levels) > 0 {
		levels := append([]limiter.Level(nil), cfg.Levels...)
		for i := range levels {
			if levels[i].Config.Origin == 0 {
				levels[i].Config.Origin = s.startN
			}
		}
		lim, err := limiter.New(levels...)
		if err != nil {
			return nil, err
		}
		s.lim = lim
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	s.ln = ln
	addr := ln.Addr().(*net.TCPAddr)
	s.Host, s.Port = addr.IP.String(), addr.Port
	s.URL = "http://" + net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("GET /api/v2/{res}/{id}", s.handleAPI)
	mux.HandleFunc("/", s.handleOther)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		s.http.Serve(ln)
	}()
	return s, nil
}

// Close stops the server at once (open connections are closed).
func (s *Server) Close() error {
	err := s.http.Close()
	<-s.done
	return err
}

// StartUnixNano returns the server start time in Unix ns: the origin of
// windows aligned to the start, and of Record.MonoNs.
func (s *Server) StartUnixNano() int64 { return s.startN }

// Config returns the configuration the server runs with.
func (s *Server) Config() Config { return s.cfg }

// now returns the server's receive time in Unix ns: start + monotonic offset.
func (s *Server) now() (unix, mono int64) {
	mono = int64(time.Since(s.start))
	return s.startN + mono, mono
}

// jitter returns the service time of an admitted request.
func (s *Server) latency() time.Duration {
	d := s.cfg.Latency
	if s.cfg.Jitter > 0 {
		d += time.Duration(s.rng.Int64N(int64(2*s.cfg.Jitter)+1)) - s.cfg.Jitter
	}
	return d
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	client := r.Form.Get("client_id")
	if client == "" {
		client = r.RemoteAddr
	}
	if s.cfg.LimitOAuth && s.lim != nil {
		out, rec := s.decide(r, limiter.Request{Token: "client:" + client, Label: "/oauth/token"}, "")
		if !s.respond(w, r, out, rec) {
			return
		}
	} else {
		s.mu.Lock()
		unix, mono := s.now()
		s.appendLog(Record{RecvUnixNs: unix, MonoNs: mono, Key: "client:" + client, Method: r.Method, Path: r.URL.Path, Code: 200})
		s.mu.Unlock()
		time.Sleep(s.lockedLatency())
	}
	s.mu.Lock()
	s.nTok++
	tok := fmt.Sprintf("t%08d%016x", s.nTok, s.rng.Uint64())
	s.tokens[tok] = client
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Date", s.cfg.Responder.Date(s.nowUnix()))
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 86400})
}

func (s *Server) nowUnix() int64 { u, _ := s.now(); return u }

func (s *Server) lockedLatency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency()
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	_, known := s.tokens[tok]
	s.mu.Unlock()
	if !ok || !known {
		s.mu.Lock()
		unix, mono := s.now()
		s.appendLog(Record{RecvUnixNs: unix, MonoNs: mono, Key: "anonymous", Method: r.Method, Path: r.URL.Path, Code: 401, Token: tok})
		s.mu.Unlock()
		w.Header().Set("Date", s.cfg.Responder.Date(s.nowUnix()))
		http.Error(w, `{"message":"missing or unknown bearer token","status":401}`, http.StatusUnauthorized)
		return
	}
	label := "/api/v2/" + r.PathValue("res")
	if s.lim == nil {
		s.mu.Lock()
		unix, mono := s.now()
		s.appendLog(Record{RecvUnixNs: unix, MonoNs: mono, Key: "tok:" + tok, Method: r.Method, Path: r.URL.Path, Code: 200, Token: tok})
		s.mu.Unlock()
		time.Sleep(s.lockedLatency())
		s.writeBody(w, r)
		return
	}
	out, rec := s.decide(r, limiter.Request{Token: tok, Label: label}, tok)
	if s.respond(w, r, out, rec) {
		s.writeBody(w, r)
		s.mu.Lock()
		s.lim.Release(s.nowUnix(), out)
		s.mu.Unlock()
	}
}

// decide runs the limiter and logs the decision.
func (s *Server) decide(r *http.Request, req limiter.Request, tok string) (*limiter.Outcome, Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	unix, mono := s.now()
	out := s.lim.Decide(unix, req)
	rec := Record{RecvUnixNs: unix, MonoNs: mono, Key: out.Key, Method: r.Method, Path: r.URL.Path,
		Limited: true, Counted: out.Counted, Remaining: out.Remaining, Limit: out.Limit, Used: out.Used,
		ResetS: float64(out.Reset) / 1e9, QueueMs: float64(out.Delay) / 1e6, Token: tok}
	rec.Code = 200
	if !out.Allowed {
		rec.Code = out.Code
		rec.WaitS = float64(out.Wait) / 1e9
	}
	for _, h := range s.cfg.Responder.Headers(out.Decision, unix) {
		rec.Headers = append(rec.Headers, h)
		if h.Name == "Retry-After" {
			rec.RetryAfter = h.Value
		}
	}
	rec.Date = s.cfg.Responder.Date(unix)
	rec.RetryAfterS = retryAfterSeconds(rec.RetryAfter, rec.Date)
	s.appendLog(rec)
	return out, rec
}

// respond writes a rejection (returning false) or waits the queue delay and
// service time of an admitted request (returning true; the caller writes
// the body).
func (s *Server) respond(w http.ResponseWriter, r *http.Request, out *limiter.Outcome, rec Record) bool {
	h := w.Header()
	for _, x := range rec.Headers {
		h.Set(x.Name, x.Value)
	}
	if !out.Allowed {
		time.Sleep(s.cfg.RejectLatency)
		h.Set("Content-Type", "application/json")
		h.Set("Date", rec.Date)
		w.WriteHeader(out.Code)
		fmt.Fprintf(w, `{"message":"%s","status":%d}`+"\n", http.StatusText(out.Code), out.Code)
		return false
	}
	time.Sleep(time.Duration(out.Delay) + s.lockedLatency())
	h.Set("Date", rec.Date)
	return true
}

// writeBody writes the ~BodyBytes JSON document of a GET.
func (s *Server) writeBody(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	head := `{"id":"` + jsonSafe(id) + `","name":"Agent script ` + jsonSafe(id) + `","version":3,"pages":[`
	var b strings.Builder
	b.WriteString(head)
	for i := 0; b.Len() < s.cfg.BodyBytes-40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"page":%d,"text":"Greet the caller and confirm the account number."}`, i+1)
	}
	b.WriteString("]}\n")
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("Date") == "" {
		w.Header().Set("Date", s.cfg.Responder.Date(s.nowUnix()))
	}
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Write([]byte(b.String()))
}

func jsonSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, s)
}

func (s *Server) handleOther(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	unix, mono := s.now()
	s.appendLog(Record{RecvUnixNs: unix, MonoNs: mono, Key: "", Method: r.Method, Path: r.URL.Path, Code: 404})
	s.mu.Unlock()
	http.NotFound(w, r)
}

// retryAfterSeconds returns the delay a Retry-After value means: seconds, or
// an HTTP-date minus the Date header.
func retryAfterSeconds(v, date string) float64 {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		return n
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d, err := http.ParseTime(date)
	if err != nil {
		return 0
	}
	return t.Sub(d).Seconds()
}
