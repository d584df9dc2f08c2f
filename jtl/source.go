package jtl

import (
	"io"
	"sync/atomic"
)

// countingReader counts the bytes read through it, for Progress. The count
// may be read from another goroutine (a progress line).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// copySample makes dst a deep copy of src, reusing dst's slices so that a
// steady stream of copies does not allocate (children excepted).
func copySample(dst, src *Sample) {
	vars, as, ch := dst.Variables[:0], dst.Assertions[:0], dst.Children[:0]
	*dst = *src
	dst.Variables = append(vars, src.Variables...)
	dst.Assertions = append(as, src.Assertions...)
	dst.Children = ch
	for i := range src.Children {
		dst.Children = append(dst.Children, *src.Children[i].Clone())
	}
}
