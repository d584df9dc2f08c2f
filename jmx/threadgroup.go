package jmx

import (
	"strconv"
	"strings"
)

// Thread group test classes.
const (
	ClassThreadGroup      = "ThreadGroup"
	ClassSetupThreadGroup = "SetupThreadGroup"
	ClassPostThreadGroup  = "PostThreadGroup"
	ClassOpenModel        = "OpenModelThreadGroup"
	ClassConcurrency      = "com.blazemeter.jmeter.threads.concurrency.ConcurrencyThreadGroup"
	ClassArrivals         = "com.blazemeter.jmeter.threads.arrivals.ArrivalsThreadGroup"
	ClassFreeFormArrivals = "com.blazemeter.jmeter.threads.arrivals.FreeFormArrivalsThreadGroup"
	ClassUltimate         = "kg.apc.jmeter.threads.UltimateThreadGroup"
	ClassStepping         = "kg.apc.jmeter.threads.SteppingThreadGroup"
)

// GroupType says which kind of thread group an element is.
type GroupType int

// Thread group types.
const (
	GroupOther            GroupType = iota
	GroupStandard                   // ThreadGroup
	GroupSetup                      // setUp Thread Group
	GroupTeardown                   // tearDown Thread Group
	GroupConcurrency                // jmeter-plugins Concurrency Thread Group
	GroupUltimate                   // jmeter-plugins Ultimate Thread Group
	GroupArrivals                   // jmeter-plugins Arrivals Thread Group
	GroupFreeFormArrivals           // jmeter-plugins Free-Form Arrivals Thread Group
	GroupStepping                   // jmeter-plugins Stepping Thread Group (deprecated)
	GroupOpenModel                  // JMeter 5.5+ Open Model Thread Group
)

var groupTypeNames = [...]string{"thread group", "Thread Group", "setUp Thread Group", "tearDown Thread Group",
	"Concurrency Thread Group", "Ultimate Thread Group", "Arrivals Thread Group",
	"Free-Form Arrivals Thread Group", "Stepping Thread Group", "Open Model Thread Group"}

func (g GroupType) String() string { return groupTypeNames[g] }

// ThreadGroup is a typed view of a thread group element.
type ThreadGroup struct{ *Element }

// ThreadGroups returns every thread group of the plan, in document order,
// including disabled ones (see Element.Active).
func (p *Plan) ThreadGroups() []*ThreadGroup {
	var out []*ThreadGroup
	p.Walk(func(e *Element) bool {
		if e.Kind() == KindThreadGroup {
			out = append(out, &ThreadGroup{Element: e})
			return false
		}
		return true
	})
	return out
}

// Type returns the kind of thread group.
func (tg *ThreadGroup) Type() GroupType {
	switch tg.TestClass() {
	case ClassThreadGroup:
		return GroupStandard
	case ClassSetupThreadGroup:
		return GroupSetup
	case ClassPostThreadGroup:
		return GroupTeardown
	case ClassConcurrency:
		return GroupConcurrency
	case ClassUltimate:
		return GroupUltimate
	case ClassArrivals:
		return GroupArrivals
	case ClassFreeFormArrivals:
		return GroupFreeFormArrivals
	case ClassStepping:
		return GroupStepping
	case ClassOpenModel:
		return GroupOpenModel
	}
	return GroupOther
}

// IsStandard reports whether the group is a ThreadGroup, setUp or tearDown
// Thread Group: these share the num_threads/ramp_time/scheduler properties.
func (tg *ThreadGroup) IsStandard() bool {
	switch tg.Type() {
	case GroupStandard, GroupSetup, GroupTeardown:
		return true
	}
	return false
}

// Thread group property names.
const (
	PropNumThreads   = "ThreadGroup.num_threads"
	PropRampTime     = "ThreadGroup.ramp_time"
	PropScheduler    = "ThreadGroup.scheduler"
	PropDuration     = "ThreadGroup.duration"
	PropDelay        = "ThreadGroup.delay"
	PropOnError      = "ThreadGroup.on_sample_error"
	PropMainCtl      = "ThreadGroup.main_controller"
	PropLoops        = "LoopController.loops"
	PropTargetLevel  = "TargetLevel"
	PropRampUp       = "RampUp"
	PropSteps        = "Steps"
	PropHold         = "Hold"
	PropUnit         = "Unit"
	PropIterations   = "Iterations"
	PropUltimateData = "ultimatethreadgroupdata"
)

// Threads returns the number of threads (num_threads of a standard group,
// TargetLevel of a Concurrency group, the sum of the rows of an Ultimate
// group). ok is false when it is an expression other than ${__P(name,n)}.
func (tg *ThreadGroup) Threads() (n int, ok bool) {
	switch tg.Type() {
	case GroupConcurrency, GroupArrivals, GroupFreeFormArrivals:
		v, ok := tg.Prop(PropTargetLevel).Int()
		return int(v), ok
	case GroupUltimate:
		total := 0
		for _, r := range tg.UltimateRows() {
			if !r.OK {
				return total, false
			}
			total += r.Threads
		}
		return total, true
	}
	v, ok := tg.Prop(PropNumThreads).Int()
	return int(v), ok
}

// RampUpS returns the ramp-up period in seconds (ramp_time of a standard
// group; RampUp × Unit of a Concurrency group).
func (tg *ThreadGroup) RampUpS() (float64, bool) {
	switch tg.Type() {
	case GroupConcurrency, GroupArrivals:
		v := tg.Prop(PropRampUp)
		if !v.Set || strings.TrimSpace(v.Raw) == "" {
			return 0, true
		}
		f, ok := v.Float()
		return f * tg.UnitS(), ok
	}
	v := tg.Prop(PropRampTime)
	if !v.Set {
		return 0, true
	}
	return v.Float()
}

// UnitS returns the seconds in one Unit of a Concurrency or Arrivals group
// (60 for "M", else 1).
func (tg *ThreadGroup) UnitS() float64 {
	if strings.EqualFold(strings.TrimSpace(tg.PropString(PropUnit)), "M") {
		return 60
	}
	return 1
}

// HoldS returns the hold time of a Concurrency or Arrivals group in seconds.
func (tg *ThreadGroup) HoldS() (float64, bool) {
	v := tg.Prop(PropHold)
	if !v.Set || strings.TrimSpace(v.Raw) == "" {
		return 0, true
	}
	f, ok := v.Float()
	return f * tg.UnitS(), ok
}

// Steps returns the ramp-up steps of a Concurrency group (0 = smooth).
func (tg *ThreadGroup) Steps() (int, bool) {
	v := tg.Prop(PropSteps)
	if !v.Set || strings.TrimSpace(v.Raw) == "" {
		return 0, true
	}
	n, ok := v.Int()
	return int(n), ok
}

// Loops returns the iteration count of the group's main loop controller (-1
// = forever), or of a Concurrency group's Iterations (-1 when empty).
func (tg *ThreadGroup) Loops() (int, bool) {
	if tg.Type() == GroupConcurrency || tg.Type() == GroupArrivals {
		v := tg.Prop(PropIterations)
		if !v.Set || strings.TrimSpace(v.Raw) == "" {
			return -1, true
		}
		n, ok := v.Int()
		return int(n), ok
	}
	mc := tg.ElementProp(PropMainCtl)
	if mc == nil {
		return -1, true
	}
	v := PropValue(mc, PropLoops)
	if !v.Set {
		if PropValue(mc, "LoopController.continue_forever").Bool(false) {
			return -1, true
		}
		return 1, true
	}
	n, ok := v.Int()
	if ok && n < 0 {
		n = -1
	}
	return int(n), ok
}

// Scheduler reports whether the standard group's scheduler (duration and
// delay) is on.
func (tg *ThreadGroup) Scheduler() bool { return tg.Prop(PropScheduler).Bool(false) }

// DurationS returns the scheduler duration in seconds; ok is false when
// it is unset or not a number. For a Concurrency group it is RampUp + Hold.
func (tg *ThreadGroup) DurationS() (float64, bool) {
	if tg.Type() == GroupConcurrency || tg.Type() == GroupArrivals {
		r, ok1 := tg.RampUpS()
		h, ok2 := tg.HoldS()
		return r + h, ok1 && ok2
	}
	if tg.Type() == GroupUltimate {
		end := 0.0
		for _, r := range tg.UltimateRows() {
			if !r.OK {
				return 0, false
			}
			end = max(end, r.InitialDelayS+r.StartupS+r.HoldS+r.ShutdownS)
		}
		return end, true
	}
	v := tg.Prop(PropDuration)
	if !v.Set || strings.TrimSpace(v.Raw) == "" {
		return 0, false
	}
	return v.Float()
}

// DelayS returns the scheduler's startup delay in seconds.
func (tg *ThreadGroup) DelayS() (float64, bool) {
	v := tg.Prop(PropDelay)
	if !v.Set || strings.TrimSpace(v.Raw) == "" {
		return 0, true
	}
	return v.Float()
}

// OnSampleError returns what the group does after a failed sample:
// continue, startnextloop, stopthread, stoptest or stoptestnow.
func (tg *ThreadGroup) OnSampleError() string {
	v := strings.TrimSpace(tg.PropString(PropOnError))
	if v == "" {
		return "continue"
	}
	return v
}

// UltimateRow is one row of an Ultimate Thread Group schedule.
type UltimateRow struct {
	Threads       int
	InitialDelayS float64
	StartupS      float64
	HoldS         float64
	ShutdownS     float64
	Raw           []Value
	OK            bool // every field is a number
}

// UltimateRows returns the schedule of an Ultimate Thread Group.
func (tg *ThreadGroup) UltimateRows() []UltimateRow {
	var out []UltimateRow
	for _, row := range Rows(CollectionProp(tg.Node, PropUltimateData)) {
		r := UltimateRow{Raw: row, OK: len(row) >= 5}
		var f [5]float64
		for i := 0; i < 5 && i < len(row); i++ {
			v, ok := row[i].Float()
			if !ok {
				r.OK = false
			}
			f[i] = v
		}
		r.Threads, r.InitialDelayS, r.StartupS, r.HoldS, r.ShutdownS = int(f[0]), f[1], f[2], f[3], f[4]
		out = append(out, r)
	}
	return out
}

// SetUltimateCell sets field i (0 threads, 1 initial delay, 2 startup, 3
// hold, 4 shutdown) of row r of an Ultimate Thread Group and reports whether
// it changed.
func (tg *ThreadGroup) SetUltimateCell(r, i int, value string) bool {
	table := CollectionProp(tg.Node, PropUltimateData)
	if table == nil {
		return false
	}
	rows := 0
	for _, row := range table.ChildElements() {
		if row.Tag != "collectionProp" {
			continue
		}
		if rows == r {
			k := 0
			for _, c := range row.ChildElements() {
				if !scalarTags[c.Tag] {
					continue
				}
				if k == i {
					if valueOf(c).Raw == value {
						return false
					}
					if c.Tag != "stringProp" {
						tg.Plan.ReplaceNode(c, StringProp(c.SelectAttrValue("name", strconv.Itoa(i)), value))
					} else {
						setText(c, value)
					}
					return true
				}
				k++
			}
			return false
		}
		rows++
	}
	return false
}
