package jtlgen_test

import (
	"bytes"
	"strings"
	"testing"

	"jmtune/internal/jtlgen"
	"jmtune/jtl"
)

func TestWrite(t *testing.T) {
	var a, b bytes.Buffer
	cfg := jtlgen.Config{Rows: 20000, Seed: 9}
	if err := jtlgen.Write(&a, cfg); err != nil {
		t.Fatal(err)
	}
	jtlgen.Write(&b, cfg)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same config, different output")
	}
	if per := a.Len() / cfg.Rows; per < 120 || per > 180 {
		t.Errorf("%d bytes per row; want about 150", per)
	}
	if !strings.HasPrefix(a.String(), jtlgen.Header+"\n") {
		t.Error("no header")
	}
	r, err := jtl.NewReader(bytes.NewReader(a.Bytes()), "gen", jtl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, throttled, withRetry, multiline, outOfOrder := 0, 0, 0, 0, 0
	var prevStart, prevEnd int64
	for r.Scan() {
		s := r.Sample()
		rows++
		if s.Code() == 429 {
			throttled++
			if v, ok := s.Var(jtl.VarRetryAfter); ok && v != "" {
				withRetry++
			}
		}
		if strings.Contains(s.FailureMessage, "\n") {
			multiline++
		}
		if s.Start < prevStart {
			outOfOrder++
		}
		if s.End() < prevEnd {
			t.Fatalf("line %d ends at %d before the previous row's end %d: rows must be in end order", s.Line, s.End(), prevEnd)
		}
		prevStart, prevEnd = s.Start, s.End()
	}
	if rows != cfg.Rows || r.Skipped() != 0 || r.Err() != nil {
		t.Fatalf("rows %d skipped %d err %v", rows, r.Skipped(), r.Err())
	}
	if share := float64(throttled) / float64(rows); share < 0.10 || share > 0.18 || withRetry != throttled {
		t.Errorf("429 share %.3f, %d with retryAfter", share, withRetry)
	}
	if multiline == 0 || outOfOrder == 0 {
		t.Errorf("multi-line messages %d, out-of-order starts %d; want some of each", multiline, outOfOrder)
	}
	// Threads run one sample at a time, as in JMeter: the reader can tell
	// that timeStamp is the start.
	if r.TimestampMode() != jtl.TimestampStart {
		t.Errorf("timestamp mode %s (%s)", r.TimestampMode(), r.Format().TimestampsWhy)
	}
}
