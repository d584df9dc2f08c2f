package analysis

import (
	"errors"
	"regexp"

	"jmtune/jtl"
)

// Config configures Analyze.
type Config struct {
	// ThrottleCodes are the response codes that mean "throttled"; nil means
	// 429 (and 503 when it carries Retry-After).
	ThrottleCodes []int
	// Label keeps only samples whose label matches; nil keeps all.
	Label *regexp.Regexp
	// FromMs and ToMs keep samples starting in [FromMs, ToMs) (epoch ms); 0 = open.
	FromMs, ToMs int64
	// Series fills Result.Series.
	Series bool
	// Tool is written to Result.Tool.
	Tool string
}

// Analyze reads every sample of src and infers the rate limit.
// PLACEHOLDER: being implemented.
func Analyze(src jtl.Source, cfg Config) (*Result, error) {
	return nil, errors.New("analysis: not implemented yet")
}
