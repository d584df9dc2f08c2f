package limiter

import (
	"fmt"
	"strings"
)

// Scope says which requests share one quota (one model instance).
type Scope int

// Scopes.
const (
	ScopeShared     Scope = iota // one quota for everybody (org, client, IP)
	ScopeToken                   // one quota per access token (per thread when each thread logs in)
	ScopeLabel                   // one quota per endpoint (label)
	ScopeTokenLabel              // one quota per token and endpoint
)

// String returns org, token, label or token+label (the test server's --scope values).
func (s Scope) String() string {
	switch s {
	case ScopeShared:
		return "org"
	case ScopeToken:
		return "token"
	case ScopeLabel:
		return "label"
	case ScopeTokenLabel:
		return "token+label"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

// ParseScope parses org (or shared, global), token (or user, per-thread),
// label (or endpoint, per-label) and token+label.
func ParseScope(s string) (Scope, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "org", "shared", "global", "":
		return ScopeShared, nil
	case "token", "user", "per-token", "per-thread":
		return ScopeToken, nil
	case "label", "endpoint", "per-label":
		return ScopeLabel, nil
	case "token+label", "label+token":
		return ScopeTokenLabel, nil
	}
	return 0, fmt.Errorf("unknown scope %q (want org, token, label or token+label)", s)
}

// Request holds what a partition key is made of.
type Request struct {
	Token string // access token (or user); "" for anonymous requests
	Label string // endpoint (path template or sampler label)
}

// Key returns the partition key of r under scope s: "org", "tok:<token>",
// "label:<label>" or "tok:<token>|label:<label>".
func (s Scope) Key(r Request) string {
	switch s {
	case ScopeToken:
		return "tok:" + r.Token
	case ScopeLabel:
		return "label:" + r.Label
	case ScopeTokenLabel:
		return "tok:" + r.Token + "|label:" + r.Label
	}
	return "org"
}

// Level is one limiter of a Limiter: a model configuration and the scope
// that splits requests into keys, each with its own model instance.
type Level struct {
	Config Config
	Scope  Scope
}

// Limiter decides requests against one or more levels (for example a
// per-token 300/min limit under a shared 3000/min one). A request is admitted
// only when every level admits it; only then is it charged to them (rejected
// requests are charged to levels with CountRejected).
type Limiter struct {
	levels []Level
	models []map[string]Model
}

// New returns a Limiter over levels (at least one).
func New(levels ...Level) (*Limiter, error) {
	if len(levels) == 0 {
		return nil, fmt.Errorf("limiter: no level configured")
	}
	l := &Limiter{levels: levels, models: make([]map[string]Model, len(levels))}
	for i, lv := range levels {
		if err := lv.Config.Validate(); err != nil {
			return nil, fmt.Errorf("level %d: %w", i+1, err)
		}
		l.models[i] = map[string]Model{}
	}
	return l, nil
}

// Levels returns the levels of l.
func (l *Limiter) Levels() []Level { return l.levels }

// Outcome is the decision of a Limiter for one request.
type Outcome struct {
	// Decision is the binding level's decision: the rejecting level with the
	// longest Wait, else the admitting level with the least Remaining.
	Decision
	Level int    // index of the binding level
	Key   string // partition key at the binding level
	// Keys are the partition keys at every level.
	Keys []string

	held []Model // models that admitted the request (Release)
}

// Decide decides a request arriving at now (Unix ns).
func (l *Limiter) Decide(now int64, r Request) *Outcome {
	out := &Outcome{Keys: make([]string, len(l.levels))}
	models := make([]Model, len(l.levels))
	decs := make([]Decision, len(l.levels))
	allowed := true
	for i, lv := range l.levels {
		k := lv.Scope.Key(r)
		m, ok := l.models[i][k]
		if !ok {
			m, _ = NewModel(lv.Config) // validated in New
			l.models[i][k] = m
		}
		out.Keys[i], models[i] = k, m
		decs[i] = m.Check(now)
		allowed = allowed && decs[i].Allowed
	}
	best := -1
	for i, d := range decs {
		switch {
		case best < 0:
			best = i
		case !allowed && !d.Allowed && (decs[best].Allowed || d.Wait > decs[best].Wait):
			best = i
		case allowed && d.Remaining < decs[best].Remaining:
			best = i
		}
	}
	for i, m := range models {
		m.Record(now, allowed)
		if allowed {
			out.held = append(out.held, m)
		}
		if !allowed && !decs[i].Allowed && l.levels[i].Config.CountRejected {
			decs[i].Counted = true
		}
	}
	out.Decision = decs[best]
	if allowed {
		// Queue delays add up across levels.
		var delay int64
		for _, d := range decs {
			delay += d.Delay
		}
		out.Delay = delay
	} else {
		out.Delay = 0
		out.Counted = l.levels[best].Config.CountRejected
	}
	out.Level, out.Key = best, out.Keys[best]
	return out
}

// Release ends a request admitted by Decide (concurrency caps count it in
// flight until then). Releasing a rejected request does nothing.
func (l *Limiter) Release(now int64, o *Outcome) {
	for _, m := range o.held {
		m.Release(now)
	}
	o.held = nil
}
