package jtl

import "encoding/binary"

// maxInterned bounds the distinct values an internTable keeps per column;
// values beyond it are allocated per row (correct, only slower).
const maxInterned = 4096

// maxInternLen is the longest value worth interning; longer values (a
// multi-line assertion message) are allocated per row.
const maxInternLen = 512

// internCacheMin and internCacheMax bound the slots of an internTable's
// direct-mapped cache (powers of two): it starts small and doubles while
// the column has more distinct values than half its slots.
const (
	internCacheMin = 256
	internCacheMax = 8192
)

// internTable turns the bytes of one CSV column into strings without
// allocating for values seen before: labels, response codes and messages,
// thread names and URLs repeat across rows. A small direct-mapped cache
// answers most lookups without the map; a slot keeps the value's length
// and first 16 bytes (for a longer value, its first and last 8), so that
// a value of up to 16 bytes is compared without a call.
type internTable struct {
	slots []internSlot
	mask  uint64 // len(slots)-1
	m     map[string]string
}

type internSlot struct {
	w0, w1 uint64
	n      int
	s      string
}

// words returns the key words of b: its first 16 bytes (zero-padded), or
// for a longer b its first and last 8 bytes.
func words(b []byte) (w0, w1 uint64) {
	n := len(b)
	switch {
	case n >= 16:
		return binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	case n > 8:
		w0 = binary.LittleEndian.Uint64(b)
		for i := n - 1; i >= 8; i-- {
			w1 = w1<<8 | uint64(b[i])
		}
		return w0, w1
	}
	for i := n - 1; i >= 0; i-- {
		w0 = w0<<8 | uint64(b[i])
	}
	return w0, 0
}

// get returns the string with the content of b.
func (t *internTable) get(b []byte) string {
	w0, w1 := words(b)
	return t.lookup(b, w0, w1)
}

// lookup is get with b's key words already known (see words; for up to 16
// bytes, the bytes of b zero-padded).
func (t *internTable) lookup(b []byte, w0, w1 uint64) string {
	n := len(b)
	if n > 16 {
		w1 = binary.LittleEndian.Uint64(b[n-8:])
	}
	if t.slots != nil {
		sl := &t.slots[internSlotIndex(w0, w1, n)&t.mask]
		if sl.n == n && sl.w0 == w0 && sl.w1 == w1 && (n <= 16 || sl.s == string(b)) {
			return sl.s
		}
	}
	return t.miss(b, w0, w1)
}

// miss finds or makes the string of b and caches it.
func (t *internTable) miss(b []byte, w0, w1 uint64) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	if n > maxInternLen {
		return string(b)
	}
	if t.slots == nil {
		t.slots = make([]internSlot, internCacheMin)
		t.mask = internCacheMin - 1
		t.m = make(map[string]string, 64)
	}
	s, ok := t.m[string(b)]
	if !ok {
		s = string(b)
		if len(t.m) < maxInterned {
			t.m[s] = s
			if 2*len(t.m) > len(t.slots) && len(t.slots) < internCacheMax {
				t.slots = make([]internSlot, 2*len(t.slots))
				t.mask = uint64(len(t.slots) - 1)
			}
		}
	}
	t.slots[internSlotIndex(w0, w1, n)&t.mask] = internSlot{w0: w0, w1: w1, n: n, s: s}
	return s
}

// internSlotIndex hashes a value's key words and length to a slot number
// (to be masked).
func internSlotIndex(w0, w1 uint64, n int) uint64 {
	return ((w0*0x9E3779B97F4A7C15 ^ w1*0xC2B2AE3D27D4EB4F ^ uint64(n)) * 0xBF58476D1CE4E5B9) >> 40
}
