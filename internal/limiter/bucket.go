package limiter

import "math"

// tokenBucket refills Rate tokens per second up to Burst; an admitted request
// takes one. It starts full.
type tokenBucket struct {
	c       Config
	started bool
	tokens  float64
	last    int64
}

func (b *tokenBucket) level(now int64) float64 {
	if !b.started {
		return float64(b.c.Burst)
	}
	t := b.tokens + b.c.Rate*float64(now-b.last)/1e9
	return math.Min(t, float64(b.c.Burst))
}

func (b *tokenBucket) Check(now int64) Decision {
	t := b.level(now)
	d := Decision{Limit: b.c.Burst, Window: int64(float64(b.c.Burst) / b.c.Rate * 1e9)}
	d.Allowed = t >= 1
	d.Counted = d.Allowed || (b.c.CountRejected && t > 0)
	after := t
	if d.Allowed {
		after--
	} else if d.Counted {
		after = 0
	}
	d.Remaining = max0(int(math.Floor(after + 1e-9)))
	d.Used = b.c.Burst - d.Remaining
	if after < float64(b.c.Burst) {
		// Until the next whole token.
		next := math.Floor(after+1e-9) + 1
		d.Reset = int64(math.Ceil((next - after) / b.c.Rate * 1e9))
	}
	if !d.Allowed {
		d.Code = b.c.RejectStatus()
		d.Wait = int64(math.Ceil((1 - after) / b.c.Rate * 1e9))
		if d.Wait < 1 {
			d.Wait = 1
		}
	}
	return d
}

func (b *tokenBucket) Record(now int64, admitted bool) {
	t := b.level(now)
	switch {
	case admitted:
		t--
	case b.c.CountRejected:
		t = math.Max(t-1, 0)
	}
	b.started, b.tokens, b.last = true, t, now
}

func (b *tokenBucket) Release(int64) {}

// leakyQueue is nginx limit_req without nodelay: excess = max(excess -
// Rate*dt + 1, 0); a request is rejected when excess > Burst, else delayed
// excess/Rate. Rejected requests leave the state unchanged.
type leakyQueue struct {
	c       Config
	started bool
	excess  float64
	last    int64
}

func (q *leakyQueue) next(now int64) float64 {
	if !q.started {
		return 0
	}
	e := q.excess - q.c.Rate*float64(now-q.last)/1e9 + 1
	return math.Max(e, 0)
}

func (q *leakyQueue) Check(now int64) Decision {
	e := q.next(now)
	B := float64(q.c.Burst)
	d := Decision{Limit: q.c.Burst, Window: int64(B / q.c.Rate * 1e9)}
	d.Allowed = e <= B+1e-9
	d.Counted = d.Allowed
	if d.Allowed {
		d.Delay = int64(e / q.c.Rate * 1e9)
		d.Remaining = max0(int(math.Floor(B - e + 1e-9)))
		d.Used = q.c.Burst - d.Remaining
		d.Reset = int64(1 / q.c.Rate * 1e9)
		return d
	}
	d.Code = q.c.RejectStatus()
	d.Used = q.c.Burst
	// excess(t) = q.excess - r*(t-last) + 1 <= B
	t := float64(q.last) + (q.excess+1-B)/q.c.Rate*1e9
	d.Wait = int64(math.Ceil(t)) - now
	if d.Wait < 1 {
		d.Wait = 1
	}
	d.Reset = d.Wait
	return d
}

func (q *leakyQueue) Record(now int64, admitted bool) {
	if !admitted {
		return
	}
	q.excess = q.next(now)
	q.started, q.last = true, now
}

func (q *leakyQueue) Release(int64) {}

// concurrency admits a request while fewer than Concurrency are in flight.
type concurrency struct {
	c        Config
	inFlight int
}

func (c *concurrency) Check(now int64) Decision {
	d := Decision{Limit: c.c.Concurrency}
	d.Allowed = c.inFlight < c.c.Concurrency
	d.Counted = d.Allowed
	used := c.inFlight
	if d.Allowed {
		used++
	}
	d.Used = used
	d.Remaining = max0(c.c.Concurrency - used)
	if !d.Allowed {
		d.Code = c.c.RejectStatus()
		d.Wait = int64(c.c.RetryHint)
		if d.Wait <= 0 {
			d.Wait = 1e9
		}
	}
	return d
}

func (c *concurrency) Record(now int64, admitted bool) {
	if admitted {
		c.inFlight++
	}
}

func (c *concurrency) Release(int64) {
	if c.inFlight > 0 {
		c.inFlight--
	}
}

// InFlight is implemented by models that count requests in flight.
func (c *concurrency) InFlight() int { return c.inFlight }
