package jtl

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// csvDecoder decodes CSV results. PLACEHOLDER: a simple encoding/csv version
// that needs a header line; the fast, header-less-capable one replaces it.
type csvDecoder struct {
	name string
	csv  *csv.Reader
	fmt  Format
	cols []int // column index -> field bit position, or -1-varIndex for variables
	vars []string
}

// ColumnNames are the standard CSV header names in JMeter's canonical order;
// ColumnNames[i] is the name of Field(1<<i).
var ColumnNames = []string{
	"timeStamp", "elapsed", "label", "responseCode", "responseMessage",
	"threadName", "dataType", "success", "failureMessage", "bytes",
	"sentBytes", "grpThreads", "allThreads", "URL", "Filename", "Latency",
	"Encoding", "SampleCount", "ErrorCount", "Hostname", "IdleTime", "Connect",
}

func newCSVDecoder(br *bufio.Reader, name string, opts Options, warn warnFunc) (decoder, error) {
	d := &csvDecoder{name: name}
	d.csv = csv.NewReader(br)
	d.csv.FieldsPerRecord = -1
	d.csv.ReuseRecord = true
	hdr, err := d.csv.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	d.fmt = Format{Kind: "csv", Delimiter: ',', Header: true, Layout: "header"}
	for _, h := range hdr {
		h = strings.TrimPrefix(h, "\ufeff")
		d.fmt.Columns = append(d.fmt.Columns, h)
		idx := -1
		for i, n := range ColumnNames {
			if n == h {
				idx = i
			}
		}
		if idx < 0 {
			d.vars = append(d.vars, strings.Trim(h, `"`))
			idx = -len(d.vars)
		}
		d.cols = append(d.cols, idx)
	}
	return d, nil
}

func (d *csvDecoder) format() Format { return d.fmt }

func (d *csvDecoder) decode(s *Sample) error {
	rec, err := d.csv.Read()
	if err == io.EOF {
		return io.EOF
	}
	line, _ := d.csv.FieldPos(0)
	if err != nil {
		return &SyntaxError{File: d.name, Line: line, Msg: err.Error()}
	}
	s.Line = line
	for i, v := range rec {
		if i >= len(d.cols) {
			return &SyntaxError{File: d.name, Line: line, Msg: fmt.Sprintf("%d fields, header has %d", len(rec), len(d.cols))}
		}
		c := d.cols[i]
		if c < 0 {
			s.Variables = append(s.Variables, Variable{Name: d.vars[-c-1], Value: v, Set: v != "null"})
			continue
		}
		if v == "null" && c != 2 {
			continue
		}
		s.Has |= 1 << c
		var n int64
		switch Field(1 << c) {
		case FieldTimestamp, FieldElapsed, FieldBytes, FieldSentBytes, FieldGrpThreads, FieldAllThreads,
			FieldLatency, FieldSampleCount, FieldErrorCount, FieldIdleTime, FieldConnect:
			n, err = strconv.ParseInt(v, 10, 64)
			if err != nil {
				return &SyntaxError{File: d.name, Line: line, Msg: fmt.Sprintf("column %s: %q is not a number", ColumnNames[c], v)}
			}
		}
		switch Field(1 << c) {
		case FieldTimestamp:
			s.Timestamp = n
		case FieldElapsed:
			s.Elapsed = n
		case FieldLabel:
			s.Label = v
		case FieldResponseCode:
			s.ResponseCode = v
		case FieldResponseMessage:
			s.ResponseMessage = v
		case FieldThreadName:
			s.ThreadName = v
		case FieldDataType:
			s.DataType = v
		case FieldSuccess:
			s.Success = strings.EqualFold(v, "true")
		case FieldFailureMessage:
			s.FailureMessage = v
		case FieldBytes:
			s.Bytes = n
		case FieldSentBytes:
			s.SentBytes = n
		case FieldGrpThreads:
			s.GrpThreads = int(n)
		case FieldAllThreads:
			s.AllThreads = int(n)
		case FieldURL:
			s.URL = v
		case FieldFilename:
			s.Filename = v
		case FieldLatency:
			s.Latency = n
		case FieldEncoding:
			s.Encoding = v
		case FieldSampleCount:
			s.SampleCount = int(n)
		case FieldErrorCount:
			s.ErrorCount = int(n)
		case FieldHostname:
			s.Hostname = v
		case FieldIdleTime:
			s.IdleTime = n
		case FieldConnect:
			s.Connect = n
		}
	}
	return nil
}
