package jtl

import (
	"runtime"
	"sync"
)

// parallelMinSize is the input size from which a Reader decodes on a
// second goroutine (when GOMAXPROCS > 1): below it the hand-off costs more
// than it saves.
const parallelMinSize = 4 << 20

const (
	pipeBatch   = 256 // samples per batch
	pipeBatches = 4   // batches in flight
)

// pipeline runs a decoder on its own goroutine, handing decoded samples to
// the consumer in batches, in order. The consumer's Sample never shares
// memory with a batch (variables are copied), so a batch can be refilled as
// soon as the consumer has moved past it.
type pipeline struct {
	full chan *pipeBatchT
	free chan *pipeBatchT
	done chan struct{}
	once sync.Once
	cur  *pipeBatchT
	i    int
}

type pipeBatchT struct {
	samples []Sample
	errs    []error // per sample: nil or a *SyntaxError (the sample is then unused)
	n       int
	end     error // io.EOF or a fatal error after the n samples
}

// startPipeline starts decoding dec on a new goroutine, or returns nil when
// only one CPU is available.
func startPipeline(dec decoder) *pipeline {
	if runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	p := &pipeline{
		full: make(chan *pipeBatchT, pipeBatches),
		free: make(chan *pipeBatchT, pipeBatches),
		done: make(chan struct{}),
	}
	for i := 0; i < pipeBatches; i++ {
		p.free <- &pipeBatchT{samples: make([]Sample, pipeBatch), errs: make([]error, pipeBatch)}
	}
	go p.run(dec)
	return p
}

func (p *pipeline) run(dec decoder) {
	for {
		var b *pipeBatchT
		select {
		case b = <-p.free:
		case <-p.done:
			return
		}
		b.n, b.end = 0, nil
		for b.n < len(b.samples) {
			s := &b.samples[b.n]
			*s = Sample{SampleCount: 1, Variables: s.Variables[:0]}
			err := dec.decode(s)
			if err != nil {
				if _, ok := err.(*SyntaxError); !ok {
					b.end = err
					break
				}
			}
			b.errs[b.n] = err
			b.n++
		}
		select {
		case p.full <- b:
		case <-p.done:
			return
		}
		if b.end != nil {
			return
		}
	}
}

// decode hands the next sample (or syntax error) to the consumer: it fills
// s as the decoder would, keeping s's own File, Source, SampleCount and
// slices.
func (p *pipeline) decode(s *Sample) error {
	for {
		if p.cur == nil {
			p.cur = <-p.full
			p.i = 0
		}
		b := p.cur
		if p.i < b.n {
			src := &b.samples[p.i]
			err := b.errs[p.i]
			p.i++
			if err != nil {
				return err
			}
			file, source := s.File, s.Source
			vars := s.Variables[:0]
			*s = *src
			s.File, s.Source = file, source
			s.Variables = append(vars, src.Variables...)
			s.Assertions, s.Children = nil, nil
			return nil
		}
		if b.end != nil {
			return b.end
		}
		p.cur = nil
		p.free <- b
	}
}

// stop ends the decoding goroutine (it may finish a read in progress).
func (p *pipeline) stop() {
	p.once.Do(func() { close(p.done) })
}
