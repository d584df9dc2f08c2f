package jtl

import "fmt"

// The timestamp decision (TimestampAuto) reads a bounded prefix of the
// input, tests both readings of timeStamp on consecutive samples of one
// thread (a JMeter thread runs one sample at a time, so its samples do not
// overlap), then replays the prefix and streams the rest.
const (
	// decideMaxSamples bounds the prefix held in memory.
	decideMaxSamples = 20000
	// decidePairs is the number of same-thread consecutive pairs after
	// which the prefix is long enough.
	decidePairs = 500
	// decideMinPairs is the fewest pairs that can decide.
	decideMinPairs = 20
	// overlapTolerance absorbs millisecond rounding (ms).
	overlapTolerance = 2
)

// decide reads the prefix and sets r.fmt.Timestamps.
func (r *Reader) decide() {
	r.decided = true
	type prev struct{ ts, elapsed int64 }
	last := map[string]prev{}
	pairs, overStart, overEnd := 0, 0, 0
	for len(r.prefix) < decideMaxSamples && pairs < decidePairs {
		s := r.next()
		if s == nil {
			break
		}
		c := s.Clone()
		r.prefix = append(r.prefix, c)
		if c.SubResult || c.Transaction || c.ThreadName == "" ||
			c.Has&FieldTimestamp == 0 || c.Has&FieldElapsed == 0 {
			continue
		}
		key := c.Source + "\x00" + c.Engine + "\x00" + c.ThreadName
		if p, ok := last[key]; ok {
			pairs++
			gap := c.Timestamp - p.ts
			if gap < p.elapsed-overlapTolerance {
				overStart++ // overlap if timeStamp were the start
			}
			if gap < c.Elapsed-overlapTolerance {
				overEnd++ // overlap if timeStamp were the end
			}
		}
		last[key] = prev{c.Timestamp, c.Elapsed}
	}
	mode, why, doubt := judgeTimestamps(pairs, overStart, overEnd)
	if mode == TimestampAuto {
		mode = TimestampStart
		if start, ok := r.opts.Props.TimestampStart(); ok {
			if !start {
				mode = TimestampEnd
			}
			why += fmt.Sprintf("; sampleresult.timestamp.start=%v (%s) decides", start, r.opts.Props.Source("sampleresult.timestamp.start"))
		} else {
			why += "; taken as the start (JMeter's shipped sampleresult.timestamp.start=true)"
		}
	}
	if doubt {
		r.warn(Warning{File: r.name, Msg: "cannot tell whether timeStamp is the sample start or end: " + why + "; pass --timestamps start|end to decide"})
	}
	r.fmt.Timestamps = mode
	r.fmt.TimestampsWhy = why
	for _, s := range r.prefix {
		r.setStart(s)
	}
}

// judgeTimestamps decides from the overlap counts of n same-thread pairs.
// It returns TimestampAuto when the data cannot tell, and doubt when both
// readings show many overlaps (merged files, sub-samples not marked, clock
// steps), which deserves a warning.
func judgeTimestamps(n, overStart, overEnd int) (mode TimestampMode, why string, doubt bool) {
	counts := fmt.Sprintf("%d of %d consecutive same-thread samples overlap if timeStamp is the start, %d if it is the end", overStart, n, overEnd)
	if n < decideMinPairs {
		return TimestampAuto, fmt.Sprintf("too few consecutive samples of one thread (%d) to tell", n), false
	}
	small := func(v int) bool { return v*50 <= n } // at most 2 %
	switch {
	case overStart*4 <= overEnd && !small(overEnd):
		return TimestampStart, "detected: " + counts, false
	case overEnd*4 <= overStart && !small(overStart):
		return TimestampEnd, "detected: " + counts, false
	case small(overStart) && small(overEnd):
		return TimestampAuto, "not detectable (" + counts + ": the gaps between samples hide the difference)", false
	}
	return TimestampAuto, "undecided (" + counts + ")", true
}
