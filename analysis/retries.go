package analysis

import (
	"fmt"
	"math"
	"slices"
)

// fetchSet tracks the URLs one thread fetched successfully for one label
// (bounded: a thread fetching many different URLs stops being tracked).
type fetchSet struct {
	urls     []uint32
	fetches  int
	repeats  int
	overflow bool
}

const maxFetchURLs = 64

// fillRetries describes how the client retried throttled requests.
//
// A retry is a request of the same thread and the same label (after
// removing a "(retry n)" suffix) that directly follows a throttled one; when
// the URL was saved it must be the same URL (a new loop iteration fetching
// another resource is not a retry). Labels written by jtl.RetryLabel always
// count as retries.
func (a *analysis) fillRetries() {
	t := a.t
	r := &a.res.Retries
	nth := len(t.threadN.names)
	prev := make([]int32, nth)
	for k := range prev {
		prev[k] = -1
	}
	a.retryByLabel = map[uint16]int{}
	perSec := make([]float64, a.sec.n)
	var lostMs float64
	withRA, honoured := 0, 0
	// The fetch sets of each thread, one per label it fetched (few).
	type labelFetches struct {
		lab uint16
		fs  *fetchSet
	}
	fetches := make([][]labelFetches, nth)
	implicit := a.implicitRetries()
	for i := 0; i < t.len(); i++ {
		th := t.thread[i]
		c := t.class(i)
		if c == clsThrottled {
			lostMs += float64(t.elapsed[i])
		}
		p := prev[th]
		prev[th] = int32(i)
		isRetry := t.cls[i]&flagRetryName != 0
		if p >= 0 && !isRetry && implicit {
			pi := int(p)
			if t.class(pi) == clsThrottled && t.label[pi] == t.label[i] && (t.url[i] == 0 || t.url[i] == t.url[pi]) {
				isRetry = true
			}
		}
		if isRetry {
			r.Count++
			a.retryByLabel[t.label[i]]++
			if b := int((t.startMs(i) - a.run0) / 1000); b >= 0 && b < len(perSec) {
				perSec[b]++
			}
			if p >= 0 && t.class(int(p)) == clsThrottled {
				pi := int(p)
				wait := float64(t.startMs(i) - (t.startMs(pi) + int64(t.elapsed[pi])))
				lostMs += math.Max(0, wait)
				if ra := float64(t.ra[pi]); !math.IsNaN(ra) {
					withRA++
					if wait >= ra*1000-20 {
						honoured++
					} else {
						r.BeforeRetryAfter++
					}
				}
			}
		}
		// Repeated fetches of the same URL by one thread (cache candidates).
		if c == clsAccepted && t.url[i] != 0 {
			var fs *fetchSet
			for _, lf := range fetches[th] {
				if lf.lab == t.label[i] {
					fs = lf.fs
					break
				}
			}
			if fs == nil {
				fs = &fetchSet{}
				fetches[th] = append(fetches[th], labelFetches{t.label[i], fs})
			}
			if !fs.overflow {
				fs.fetches++
				if slices.Contains(fs.urls, t.url[i]) {
					fs.repeats++
				} else if len(fs.urls) < maxFetchURLs {
					fs.urls = append(fs.urls, t.url[i])
				} else {
					fs.overflow = true
				}
			}
		}
	}
	if withRA > 0 {
		r.Honoured = round3(float64(honoured) / float64(withRA))
	}
	r.TimeLostS = round3(lostMs / 1000)
	// Attempts per success on the limited labels.
	att, succ := 0, 0
	for i := 0; i < t.len(); i++ {
		if !a.limited[t.label[i]] || t.code[i] == 0 {
			continue
		}
		att++
		if t.class(i) == clsAccepted {
			succ++
		}
	}
	if succ > 0 {
		r.AttemptsPerSuccess = round3(float64(att) / float64(succ))
	}
	// Synchronised bursts: seconds in which many threads retried together.
	var nz []float64
	for _, v := range perSec {
		if v > 0 {
			nz = append(nz, v)
		}
	}
	if len(nz) > 0 {
		med := median(slices.Clone(nz))
		for s, v := range perSec {
			th := a.sec.threads[s]
			if v >= math.Max(5, 0.2*th) && v >= 3*med {
				r.SynchronisedBursts++
			}
		}
	}
	// Cache candidates: labels that threads fetched mostly from URLs they
	// had already fetched.
	type agg struct{ fetches, repeats, threads int }
	byLabel := map[uint16]*agg{}
	for _, lfs := range fetches {
		for _, lf := range lfs {
			if lf.fs.overflow {
				continue
			}
			g := byLabel[lf.lab]
			if g == nil {
				g = &agg{}
				byLabel[lf.lab] = g
			}
			g.fetches += lf.fs.fetches
			g.repeats += lf.fs.repeats
			g.threads++
		}
	}
	for l, g := range byLabel {
		if g.fetches >= 10 && float64(g.repeats) >= 0.5*float64(g.fetches) && g.repeats >= 3*g.threads {
			r.RepeatedFetches = append(r.RepeatedFetches, t.labels.names[l])
		}
	}
	slices.Sort(r.RepeatedFetches)
	r.Explanation = a.retryExplanation(withRA)
}

func (a *analysis) retryExplanation(withRA int) string {
	r := a.res.Retries
	if r.Count == 0 {
		if a.res.Run.Throttled > 0 {
			return "No retries were seen: a throttled request was not sent again by the same thread (its work was lost)."
		}
		return "No retries were needed."
	}
	s := fmt.Sprintf("%d retries (same thread, same request, right after a throttled response); %.2f attempts per success.", r.Count, r.AttemptsPerSuccess)
	if withRA > 0 {
		if r.BeforeRetryAfter > 0 {
			s += fmt.Sprintf(" %d of %d retries were sent before Retry-After had passed: they are wasted and may prolong the throttling.", r.BeforeRetryAfter, withRA)
		} else {
			s += " Every retry waited for Retry-After."
		}
	}
	if r.SynchronisedBursts > 0 {
		s += fmt.Sprintf(" In %d seconds many threads retried at once (synchronised retries: add jitter).", r.SynchronisedBursts)
	}
	return s
}

// implicitRetries decides whether "same thread, same label, same URL right
// after a 429" marks retries in this run. When threads fetch varying URLs,
// the next request repeats the previous URL now and then by chance; if that
// happens about as often after a throttled request as after an accepted one,
// the repeats are coincidences of a loop, not retries.
func (a *analysis) implicitRetries() bool {
	t := a.t
	if !t.hasURL {
		return true
	}
	prev := make([]int32, len(t.threadN.names))
	for k := range prev {
		prev[k] = -1
	}
	var afterAcc, sameAcc, afterThr, sameThr int
	for i := 0; i < t.len(); i++ {
		th := t.thread[i]
		p := prev[th]
		prev[th] = int32(i)
		if p < 0 || t.label[p] != t.label[i] || t.url[i] == 0 {
			continue
		}
		same := t.url[p] == t.url[i]
		switch t.class(int(p)) {
		case clsAccepted:
			afterAcc++
			if same {
				sameAcc++
			}
		case clsThrottled:
			afterThr++
			if same {
				sameThr++
			}
		}
	}
	if afterThr == 0 || afterAcc < 20 {
		return true
	}
	p0 := float64(sameAcc) / float64(afterAcc)
	p1 := float64(sameThr) / float64(afterThr)
	if p0 > 0.5 {
		// Threads mostly repeat the same URL anyway: a repeat says nothing.
		return p1 > p0+0.1
	}
	return p1 > p0+3*math.Sqrt(p0*(1-p0)/float64(afterThr))+0.05
}
