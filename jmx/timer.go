package jmx

import "strings"

// Timer test classes that pace throughput.
const (
	ClassConstantThroughput = "ConstantThroughputTimer"
	ClassPreciseThroughput  = "PreciseThroughputTimer"
	ClassShaping            = "kg.apc.jmeter.timers.VariableThroughputTimer"
)

// Constant Throughput Timer calcMode values.
const (
	CalcThisThread       = 0 // each thread paces itself: total = throughput × threads
	CalcAllThreads       = 1 // per-thread share of all active threads
	CalcGroupThreads     = 2 // per-thread share of the group's active threads
	CalcAllShared        = 3 // one schedule shared by all threads
	CalcGroupShared      = 4 // one schedule shared by the group's threads
	calcModeUnknown      = -1
	defaultPTTPeriodS    = 3600 // Precise Throughput Timer defaults (BeanInfo)
	defaultPTTThroughput = 100
)

var calcModeLabels = []string{
	"this thread only", "all active threads", "all active threads in current thread group",
	"all active threads (shared)", "all active threads in current thread group (shared)",
}

// ThroughputTimer is a typed view of a Constant Throughput Timer, Precise
// Throughput Timer or Throughput Shaping Timer.
type ThroughputTimer struct{ *Element }

// ThroughputTimers returns the throughput timers of the plan.
func (p *Plan) ThroughputTimers() []*ThroughputTimer {
	var out []*ThroughputTimer
	p.Walk(func(e *Element) bool {
		if tt := e.AsThroughputTimer(); tt != nil {
			out = append(out, tt)
		}
		return true
	})
	return out
}

// AsThroughputTimer returns e as a ThroughputTimer, or nil when it is not one.
func (e *Element) AsThroughputTimer() *ThroughputTimer {
	switch e.TestClass() {
	case ClassConstantThroughput, ClassPreciseThroughput, ClassShaping,
		"org.apache.jmeter.timers.ConstantThroughputTimer",
		"org.apache.jmeter.timers.poissonarrivals.PreciseThroughputTimer":
		return &ThroughputTimer{Element: e}
	}
	return nil
}

// IsConstant, IsPrecise and IsShaping tell the timer type.
func (t *ThroughputTimer) IsConstant() bool {
	return strings.HasSuffix(t.TestClass(), ClassConstantThroughput)
}

// IsPrecise reports whether t is a Precise Throughput Timer.
func (t *ThroughputTimer) IsPrecise() bool {
	return strings.HasSuffix(t.TestClass(), ClassPreciseThroughput)
}

// IsShaping reports whether t is a Throughput Shaping Timer.
func (t *ThroughputTimer) IsShaping() bool { return t.TestClass() == ClassShaping }

// PerMinute returns a Constant Throughput Timer's target in samples per
// minute (its throughput property, possibly ${__P(name,default)}).
func (t *ThroughputTimer) PerMinute() (float64, bool) { return t.Prop("throughput").Float() }

// CalcMode returns a Constant Throughput Timer's calcMode (0 when missing);
// the English labels older files store are mapped to their number.
func (t *ThroughputTimer) CalcMode() int {
	v := t.Prop("calcMode")
	if !v.Set {
		return CalcThisThread
	}
	if n, ok := v.Int(); ok {
		return int(n)
	}
	for i, l := range calcModeLabels {
		if strings.EqualFold(strings.TrimSpace(v.Raw), l) {
			return i
		}
	}
	return calcModeUnknown
}

// PreciseRate returns a Precise Throughput Timer's throughput and period
// (seconds), with JMeter's defaults for missing properties.
func (t *ThroughputTimer) PreciseRate() (throughput, periodS float64, ok bool) {
	throughput, periodS, ok = defaultPTTThroughput, defaultPTTPeriodS, true
	if v := t.Prop("throughput"); v.Set {
		throughput, ok = v.Float()
	}
	if v := t.Prop("throughputPeriod"); v.Set {
		var ok2 bool
		periodS, ok2 = v.Float()
		ok = ok && ok2
	}
	return throughput, periodS, ok
}

// ShapingRow is one row of a Throughput Shaping Timer schedule.
type ShapingRow struct {
	StartRPS, EndRPS, DurationS float64
	OK                          bool
}

// ShapingRows returns the load_profile of a Throughput Shaping Timer.
func (t *ThroughputTimer) ShapingRows() []ShapingRow {
	var out []ShapingRow
	for _, row := range Rows(CollectionProp(t.Node, "load_profile")) {
		r := ShapingRow{OK: len(row) >= 3}
		var f [3]float64
		for i := 0; i < 3 && i < len(row); i++ {
			v, ok := row[i].Float()
			if !ok {
				r.OK = false
			}
			f[i] = v
		}
		r.StartRPS, r.EndRPS, r.DurationS = f[0], f[1], f[2]
		out = append(out, r)
	}
	return out
}
