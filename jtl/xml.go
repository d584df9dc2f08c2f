package jtl

import (
	"bufio"
	"fmt"
)

// newXMLDecoder returns a decoder of XML results. PLACEHOLDER: being implemented.
func newXMLDecoder(br *bufio.Reader, name string, opts Options, warn warnFunc) (decoder, error) {
	return nil, fmt.Errorf("%s: XML results are not supported yet", name)
}
