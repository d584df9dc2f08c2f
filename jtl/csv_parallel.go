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
// the consumer in batches, in order. The consumer reads (and the Reader
// completes) the samples in place; a batch goes back to the decoder when
// the consumer asks for the sample after its last one.
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
func startPipeline(dec decoder, name string) *pipeline {
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
	go p.run(dec, name)
	return p
}

func (p *pipeline) run(dec decoder, name string) {
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
			*s = Sample{File: name, Source: name, SampleCount: 1,
				Variables: s.Variables[:0], Assertions: s.Assertions[:0], Children: s.Children[:0]}
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

// next returns the next decoded sample, or the syntax error found in its
// place, or the error that ended decoding.
func (p *pipeline) next() (*Sample, error) {
	for {
		if p.cur == nil {
			p.cur = <-p.full
			p.i = 0
		}
		b := p.cur
		if p.i < b.n {
			i := p.i
			p.i++
			if err := b.errs[i]; err != nil {
				return nil, err
			}
			return &b.samples[i], nil
		}
		if b.end != nil {
			return nil, b.end
		}
		p.cur = nil
		p.free <- b
	}
}

// stop ends the decoding goroutine (it may finish a read in progress).
func (p *pipeline) stop() {
	p.once.Do(func() { close(p.done) })
}
