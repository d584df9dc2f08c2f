package limiter

import "math"

// fixedWindow admits Limit requests per window.
type fixedWindow struct {
	c     Config
	start int64 // current window start (ns)
	end   int64 // current window end (ns); 0 before the first request
	count int   // requests counted in the current window
}

// window returns the window containing now and the count in it.
func (f *fixedWindow) window(now int64) (start, end int64, count int) {
	w := int64(f.c.Window)
	if f.c.Align == AlignFirst {
		if f.end != 0 && now < f.end {
			return f.start, f.end, f.count
		}
		return now, now + w, 0
	}
	base := int64(f.c.Phase)
	if f.c.Align == AlignStart {
		base += f.c.Origin
	}
	start = base + floorDiv(now-base, w)*w
	end = start + w
	if f.end == end {
		return start, end, f.count
	}
	return start, end, 0
}

func (f *fixedWindow) Check(now int64) Decision {
	_, end, n := f.window(now)
	d := Decision{Limit: f.c.Limit, Reset: end - now, Window: int64(f.c.Window)}
	d.Allowed = n < f.c.Limit
	d.Counted = d.Allowed || f.c.CountRejected
	used := n
	if d.Counted {
		used++
	}
	d.Used = used
	d.Remaining = max0(f.c.Limit - used)
	if !d.Allowed {
		d.Code = f.c.RejectStatus()
		d.Wait = end - now
	}
	return d
}

func (f *fixedWindow) Record(now int64, admitted bool) {
	f.start, f.end, f.count = f.window(now)
	if admitted || f.c.CountRejected {
		f.count++
	}
}

func (f *fixedWindow) Release(int64) {}

// slidingLog admits a request when fewer than Limit counted requests
// arrived in the last Window: (now-Window, now].
type slidingLog struct {
	c   Config
	log []int64 // arrival times of counted requests, oldest first
}

// live returns the entries still inside the window ending at now.
func (s *slidingLog) live(now int64) []int64 {
	cut := now - int64(s.c.Window)
	i := 0
	for i < len(s.log) && s.log[i] <= cut {
		i++
	}
	return s.log[i:]
}

func (s *slidingLog) Check(now int64) Decision {
	live := s.live(now)
	n := len(live)
	d := Decision{Limit: s.c.Limit, Window: int64(s.c.Window)}
	d.Allowed = n < s.c.Limit
	d.Counted = d.Allowed || s.c.CountRejected
	used := n
	if d.Counted {
		used++
	}
	d.Used = used
	d.Remaining = max0(s.c.Limit - used)
	w := int64(s.c.Window)
	if n > 0 {
		d.Reset = live[0] + w - now
	} else if d.Counted {
		d.Reset = w
	}
	if !d.Allowed {
		d.Code = s.c.RejectStatus()
		// Admitted once the count falls to Limit-1: the (n-Limit+1)-th
		// oldest entry must leave.
		d.Wait = live[n-s.c.Limit] + w - now
		if d.Wait <= 0 {
			d.Wait = 1
		}
	}
	return d
}

func (s *slidingLog) Record(now int64, admitted bool) {
	live := s.live(now)
	if len(live) < len(s.log) {
		// Drop expired entries, reusing the backing array when it is mostly dead.
		if cap(s.log) > 64 && len(live) < cap(s.log)/2 {
			s.log = append(s.log[:0:0], live...)
		} else {
			s.log = live
		}
	}
	if admitted || s.c.CountRejected {
		s.log = append(s.log, now)
	}
}

func (s *slidingLog) Release(int64) {}

// slidingCounter approximates a sliding window from two fixed-window counts:
// est = prev*(1 - elapsed/Window) + cur; a request is admitted when est < Limit.
type slidingCounter struct {
	c         Config
	started   bool
	base      int64 // window grid origin
	idx       int64 // current window index
	cur, prev int
}

// state returns the window index, counts and window start at now.
func (s *slidingCounter) state(now int64) (idx int64, cur, prev int, start int64, base int64) {
	w := int64(s.c.Window)
	base = int64(s.c.Phase)
	switch s.c.Align {
	case AlignStart:
		base += s.c.Origin
	case AlignFirst:
		if s.started {
			base = s.base
		} else {
			base = now
		}
	}
	idx = floorDiv(now-base, w)
	start = base + idx*w
	switch {
	case !s.started:
		return idx, 0, 0, start, base
	case idx == s.idx:
		return idx, s.cur, s.prev, start, base
	case idx == s.idx+1:
		return idx, 0, s.cur, start, base
	}
	return idx, 0, 0, start, base
}

func (s *slidingCounter) estimate(now int64, cur, prev int, start int64) float64 {
	frac := float64(now-start) / float64(s.c.Window)
	return float64(prev)*(1-frac) + float64(cur)
}

func (s *slidingCounter) Check(now int64) Decision {
	_, cur, prev, start, _ := s.state(now)
	w := int64(s.c.Window)
	est := s.estimate(now, cur, prev, start)
	L := float64(s.c.Limit)
	d := Decision{Limit: s.c.Limit, Window: w, Reset: start + w - now}
	d.Allowed = est < L
	d.Counted = d.Allowed || s.c.CountRejected
	after := est
	if d.Counted {
		after++
	}
	d.Used = int(math.Ceil(after - 1e-9))
	d.Remaining = max0(int(math.Floor(L - after + 1e-9)))
	if !d.Allowed {
		d.Code = s.c.RejectStatus()
		d.Wait = s.wait(now, cur, prev, start)
	}
	return d
}

// wait returns the time until est falls below Limit with no further counted
// requests.
func (s *slidingCounter) wait(now int64, cur, prev int, start int64) int64 {
	w := float64(s.c.Window)
	L := float64(s.c.Limit)
	var dt float64 // ns after start; kept relative so float64 stays exact enough
	if float64(cur) < L && prev > 0 {
		// prev*(1-(t-start)/w) + cur < L  <=>  t > start + w*(1-(L-cur)/prev)
		dt = w * (1 - (L-float64(cur))/float64(prev))
	} else {
		// Next window: est = cur*(1-(t-next)/w) < L.
		dt = w
		if float64(cur) >= L {
			dt += w * (1 - L/float64(cur))
		}
	}
	wait := start + int64(math.Ceil(dt)) + 1 - now
	if wait < 1 {
		wait = 1
	}
	return wait
}

func (s *slidingCounter) Record(now int64, admitted bool) {
	idx, cur, prev, _, base := s.state(now)
	s.started, s.base, s.idx, s.cur, s.prev = true, base, idx, cur, prev
	if admitted || s.c.CountRejected {
		s.cur++
	}
}

func (s *slidingCounter) Release(int64) {}
