package jtl

import (
	"bytes"
	"math/bits"
	"unsafe"
)

// Column kinds for the fast path.
const (
	kindString   = iota // a string field of Sample
	kindInt64           // an int64 field of Sample
	kindInt             // an int field of Sample
	kindSuccess         // Sample.Success
	kindVariable        // a sample variable
)

// fieldOffsets are the offsets in Sample of the member each standard column
// fills, so that the fast path writes a field without a switch.
var fieldOffsets = [numFields]uintptr{
	idxTimestamp:       unsafe.Offsetof(Sample{}.Timestamp),
	idxElapsed:         unsafe.Offsetof(Sample{}.Elapsed),
	idxLabel:           unsafe.Offsetof(Sample{}.Label),
	idxResponseCode:    unsafe.Offsetof(Sample{}.ResponseCode),
	idxResponseMessage: unsafe.Offsetof(Sample{}.ResponseMessage),
	idxThreadName:      unsafe.Offsetof(Sample{}.ThreadName),
	idxDataType:        unsafe.Offsetof(Sample{}.DataType),
	idxSuccess:         unsafe.Offsetof(Sample{}.Success),
	idxFailureMessage:  unsafe.Offsetof(Sample{}.FailureMessage),
	idxBytes:           unsafe.Offsetof(Sample{}.Bytes),
	idxSentBytes:       unsafe.Offsetof(Sample{}.SentBytes),
	idxGrpThreads:      unsafe.Offsetof(Sample{}.GrpThreads),
	idxAllThreads:      unsafe.Offsetof(Sample{}.AllThreads),
	idxURL:             unsafe.Offsetof(Sample{}.URL),
	idxFilename:        unsafe.Offsetof(Sample{}.Filename),
	idxLatency:         unsafe.Offsetof(Sample{}.Latency),
	idxEncoding:        unsafe.Offsetof(Sample{}.Encoding),
	idxSampleCount:     unsafe.Offsetof(Sample{}.SampleCount),
	idxErrorCount:      unsafe.Offsetof(Sample{}.ErrorCount),
	idxHostname:        unsafe.Offsetof(Sample{}.Hostname),
	idxIdleTime:        unsafe.Offsetof(Sample{}.IdleTime),
	idxConnect:         unsafe.Offsetof(Sample{}.Connect),
}

// kindOf returns the fast-path kind of a column.
func kindOf(field int) uint8 {
	switch field {
	case -1:
		return kindVariable
	case idxSuccess:
		return kindSuccess
	case idxTimestamp, idxElapsed, idxBytes, idxSentBytes, idxLatency, idxIdleTime, idxConnect:
		return kindInt64
	case idxGrpThreads, idxAllThreads, idxSampleCount, idxErrorCount:
		return kindInt
	}
	return kindString
}

// wordPad is the spare capacity kept after the decoder's buffer, so that
// the fast path can load 8-byte words near the end of the data.
const wordPad = 16

// digitCount returns how many of the 8 bytes of w (first byte lowest) are
// leading ASCII digits.
func digitCount(w uint64) int {
	// A byte is a digit when its high nibble is 3 and adding 6 keeps it so.
	m := (w & 0xF0F0F0F0F0F0F0F0) ^ 0x3030303030303030
	m |= ((w + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) ^ 0x3030303030303030
	return bits.TrailingZeros64(m) >> 3
}

// digitsValue converts the first k (1..8) bytes of w, all ASCII digits, to
// their value.
func digitsValue(w uint64, k int) int64 {
	switch k {
	case 1:
		return int64(w & 0x0F)
	case 2:
		return int64(w&0x0F)*10 + int64(w>>8&0x0F)
	}
	w <<= uint(8 * (8 - k)) // the digits in the high bytes, zeros before them
	w &= 0x0F0F0F0F0F0F0F0F
	w = (w * (10<<8 + 1)) >> 8
	w &= 0x00FF00FF00FF00FF
	w = (w * (100<<16 + 1)) >> 16
	w &= 0x0000FFFF0000FFFF
	w = (w * (10000<<32 + 1)) >> 32
	return int64(w)
}

var pow10 = [9]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

// fast decodes the record at the read position into s in one pass, when
// it is a plain one: complete in the buffer, on one line, no field starting
// with a quote, every number plain digits (at most 16), epoch-ms
// timestamps. It returns false, with s and the read position untouched,
// for anything else; the general path (split, convert) then handles the
// record and reports what is wrong with it.
func (d *csvDecoder) fast(s *Sample) bool {
	nvars := len(s.Variables)
	if d.fastFields(s) {
		return true
	}
	// Undo what was set; the general path starts from a clean sample.
	*s = Sample{File: s.File, Source: s.Source, SampleCount: 1,
		Variables: s.Variables[:nvars], Assertions: s.Assertions, Children: s.Children}
	return false
}

// zeroBytes returns a mask with the high bit set in each byte of x that is
// zero, exactly (no carries between bytes).
func zeroBytes(x uint64) uint64 {
	const lows7 = 0x7F7F7F7F7F7F7F7F
	return ^((x&lows7 + lows7) | x | lows7)
}

// lowBytes returns a mask of the n (0..8) lowest bytes.
func lowBytes(n int) uint64 {
	if n >= 8 {
		return ^uint64(0)
	}
	return uint64(1)<<(8*uint(n)) - 1
}

// nativeLittleEndian is true on little-endian machines, where the fast
// path loads 8-byte words straight from the buffer.
var nativeLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// load returns the 8 bytes at p+i as a little-endian word. The caller
// guarantees that they are inside the buffer (wordPad).
func load(p unsafe.Pointer, i int) uint64 {
	return *(*uint64)(unsafe.Add(p, i))
}

func (d *csvDecoder) fastFields(s *Sample) bool {
	if d.date != nil || d.end+wordPad > cap(d.buf) || !nativeLittleEndian {
		return false
	}
	data := d.buf[d.pos:d.end]
	nl := bytes.IndexByte(data, '\n')
	if nl <= 0 {
		return false
	}
	le := nl
	if data[le-1] == '\r' {
		le--
	}
	// Word loads may read past the line (into the next ones or the
	// padding, never past the buffer's capacity); counts are clipped to
	// the line.
	bp := unsafe.Pointer(unsafe.SliceData(data))
	line := data[:le]
	delim := d.delim
	dm := uint64(delim) * 0x0101010101010101
	base := unsafe.Pointer(s)
	var has Field
	p := 0
	cols := d.cols
	last := len(cols) - 1
	for ci := range cols {
		c := &cols[ci]
		x0 := load(bp, p)
		if c.kind == kindInt64 || c.kind == kindInt {
			k := digitCount(x0)
			var v int64
			if k < 8 {
				if k == 0 {
					return false
				}
				v = digitsValue(x0, k)
			} else {
				v = digitsValue(x0, 8)
				y := load(bp, p+8)
				k2 := digitCount(y)
				if k2 == 8 {
					return false
				}
				if k2 > 0 {
					v = v*pow10[k2] + digitsValue(y, k2)
				}
				k += k2
			}
			if p+k > le {
				return false
			}
			p += k
			if c.kind == kindInt64 {
				*(*int64)(unsafe.Add(base, c.off)) = v
			} else {
				*(*int)(unsafe.Add(base, c.off)) = int(v)
			}
			has |= c.bit
		} else {
			// Find the field's end: in the first two words without a call.
			x1 := load(bp, p+8)
			var n int
			if m := zeroBytes(x0 ^ dm); m != 0 {
				n = bits.TrailingZeros64(m) >> 3
			} else if m := zeroBytes(x1 ^ dm); m != 0 {
				n = 8 + bits.TrailingZeros64(m)>>3
			} else if p+16 >= le {
				n = le - p
			} else if k := bytes.IndexByte(line[p+16:], delim); k >= 0 {
				n = 16 + k
			} else {
				n = le - p
			}
			if p+n >= le {
				n = le - p
				if ci != last {
					return false
				}
			} else if ci == last {
				return false
			}
			if n > 0 && byte(x0) == '"' {
				return false
			}
			x0 &= lowBytes(n)
			x1 &= lowBytes(n - 8)
			if n <= 8 {
				x1 = 0
			}
			null := n == 4 && x0 == 'l'<<24|'l'<<16|'u'<<8|'n'
			switch c.kind {
			case kindString:
				if null && c.field != idxLabel {
					break
				}
				// The intern cache's hit path, inlined (see lookup).
				var str string
				if t := c.intern.slots; t != nil && n <= 16 {
					h := ((x0*0x9E3779B97F4A7C15 ^ x1*0xC2B2AE3D27D4EB4F ^ uint64(n)) * 0xBF58476D1CE4E5B9) >> 40
					if sl := &t[h&c.intern.mask]; sl.n == n && sl.w0 == x0 && sl.w1 == x1 {
						str = sl.s
					} else {
						str = c.intern.lookup(line[p:p+n], x0, x1)
					}
				} else {
					str = c.intern.lookup(line[p:p+n], x0, x1)
				}
				*(*string)(unsafe.Add(base, c.off)) = str
				has |= c.bit
			case kindSuccess:
				if n == 4 && x0 == 'e'<<24|'u'<<16|'r'<<8|'t' {
					s.Success = true
				} else if n != 5 || x0 != 'e'<<32|'s'<<24|'l'<<16|'a'<<8|'f' {
					return false
				}
				has |= FieldSuccess
			case kindVariable:
				if null {
					s.Variables = append(s.Variables, Variable{Name: d.vars[c.varIdx]})
				} else {
					s.Variables = append(s.Variables, Variable{Name: d.vars[c.varIdx], Value: c.intern.lookup(line[p:p+n], x0, x1), Set: true})
				}
			}
			p += n
		}
		// A field ends at a delimiter, the last one at the line end.
		if ci == last {
			if p != le {
				return false
			}
		} else if byte(load(bp, p)) != delim {
			return false
		}
		p++
	}
	s.Has |= has
	s.Line = d.line
	d.recStart = d.pos
	d.recTerm = true
	d.pos += nl + 1
	d.line++
	return true
}
