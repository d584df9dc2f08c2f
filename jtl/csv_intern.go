package jtl

// maxInterned bounds the distinct values an internTable keeps per column;
// values beyond it are allocated per row (correct, only slower).
const maxInterned = 4096

// maxInternLen is the longest value worth interning; longer values (a
// multi-line assertion message) are allocated per row.
const maxInternLen = 512

// internTable turns the bytes of one CSV column into strings without
// allocating for values seen before: labels, response codes and messages,
// thread names and URLs repeat across rows.
type internTable struct {
	last string
	m    map[string]string
}

// get returns the string with the content of b.
func (t *internTable) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	// Comparing string(b) with a string does not allocate.
	if string(b) == t.last {
		return t.last
	}
	if len(b) > maxInternLen {
		return string(b)
	}
	if s, ok := t.m[string(b)]; ok {
		t.last = s
		return s
	}
	s := string(b)
	if t.m == nil {
		t.m = make(map[string]string, 64)
	}
	if len(t.m) < maxInterned {
		t.m[s] = s
	}
	t.last = s
	return s
}
