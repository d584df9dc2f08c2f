package jtl

import (
	"fmt"
	"sort"
	"strings"
)

// ColumnNames are the standard CSV header names in JMeter's canonical order;
// ColumnNames[i] is the name of Field(1<<i).
var ColumnNames = []string{
	"timeStamp", "elapsed", "label", "responseCode", "responseMessage",
	"threadName", "dataType", "success", "failureMessage", "bytes",
	"sentBytes", "grpThreads", "allThreads", "URL", "Filename", "Latency",
	"Encoding", "SampleCount", "ErrorCount", "Hostname", "IdleTime", "Connect",
}

// numFields is the number of standard columns.
const numFields = 22

// allFields has every standard column.
const allFields Field = 1<<numFields - 1

// saveKeys maps each jmeter.save.saveservice.* flag to the columns it turns
// on. timestamp_format is special (any value but "none" writes timeStamp).
var saveKeys = []struct {
	key    string
	fields Field
}{
	{"time", FieldElapsed},
	{"label", FieldLabel},
	{"response_code", FieldResponseCode},
	{"response_message", FieldResponseMessage},
	{"thread_name", FieldThreadName},
	{"data_type", FieldDataType},
	{"successful", FieldSuccess},
	{"assertion_results_failure_message", FieldFailureMessage},
	{"bytes", FieldBytes},
	{"sent_bytes", FieldSentBytes},
	{"thread_counts", FieldGrpThreads | FieldAllThreads},
	{"url", FieldURL},
	{"filename", FieldFilename},
	{"latency", FieldLatency},
	{"encoding", FieldEncoding},
	{"sample_count", FieldSampleCount | FieldErrorCount},
	{"hostname", FieldHostname},
	{"idle_time", FieldIdleTime},
	{"connect_time", FieldConnect},
}

// savePrefix is the prefix of JMeter's result-file save properties.
const savePrefix = "jmeter.save.saveservice."

// jmeterDefaults are the CSV defaults of the JMeter releases that changed
// them, newest first (see jtl-format.md section 2.1). exists is the set of
// columns the release can write at all.
var jmeterDefaults = []struct {
	version string
	fields  Field
	header  bool
	exists  Field
}{
	{"5.x", fieldsOf("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect"), true, allFields},
	{"3.1-4.0", fieldsOf("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,Latency,IdleTime,Connect"), true, allFields},
	{"3.0", fieldsOf("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,grpThreads,allThreads,Latency,IdleTime"), true, allFields &^ FieldSentBytes},
	{"2.13", fieldsOf("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,grpThreads,allThreads,Latency"), false, allFields &^ FieldSentBytes},
}

// oldDefaults is the layout of JMeter 2.x releases before thread counts
// were saved by default (10 columns); it is only ever guessed.
var oldDefaults = fieldsOf("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,Latency")

// fieldsOf returns the fields named in a comma-separated header.
func fieldsOf(header string) Field {
	var f Field
	for _, name := range strings.Split(header, ",") {
		i := columnIndex(name)
		if i < 0 {
			panic("jtl: unknown column " + name)
		}
		f |= 1 << i
	}
	return f
}

// columnIndex returns the index of a standard column name, or -1.
func columnIndex(name string) int {
	for i, n := range ColumnNames {
		if n == name {
			return i
		}
	}
	return -1
}

// Count returns the number of columns in f.
func (f Field) Count() int {
	n := 0
	for ; f != 0; f &= f - 1 {
		n++
	}
	return n
}

// Names returns the column names of f in JMeter's order.
func (f Field) Names() []string {
	var out []string
	for i := 0; i < numFields; i++ {
		if f&(1<<i) != 0 {
			out = append(out, ColumnNames[i])
		}
	}
	return out
}

// SaveConfig is what JMeter's save properties say about CSV results.
type SaveConfig struct {
	Fields          Field    // standard columns written
	Variables       []string // sample_variables, in order
	Delimiter       byte     // default_delimiter
	TimestampFormat string   // "ms", or a SimpleDateFormat pattern ("" when timeStamp is not written)
	Header          bool     // print_field_names
	Version         string   // the JMeter release whose defaults fill unset keys
	// Why says which property sources decided the layout.
	Why string
}

// Columns returns the CSV header JMeter writes for c: the standard names in
// JMeter's order, then the sample variables in quotes.
func (c SaveConfig) Columns() []string {
	cols := c.Fields.Names()
	for _, v := range c.Variables {
		cols = append(cols, `"`+v+`"`)
	}
	return cols
}

// SaveConfig returns the save configuration that p gives on top of the
// defaults of JMeter release version ("5.x", "3.1-4.0", "3.0", "2.13"; ""
// for the release detected from the loaded jmeter.properties, else 5.x).
func (p *Properties) SaveConfig(version string) SaveConfig {
	if version == "" {
		version = p.defaultsVersion()
	}
	d := jmeterDefaults[0]
	for _, v := range jmeterDefaults {
		if v.version == version {
			d = v
		}
	}
	c := SaveConfig{Fields: d.fields, Header: d.header, Delimiter: ',', TimestampFormat: "ms", Version: d.version}
	used := map[string][]string{} // source -> keys
	use := func(key string) {
		if src := p.Source(key); src != "" {
			used[src] = append(used[src], strings.TrimPrefix(key, savePrefix))
		}
	}
	for _, k := range saveKeys {
		if v, ok := p.Get(savePrefix + k.key); ok {
			if strings.EqualFold(strings.TrimSpace(v), "true") {
				c.Fields |= k.fields
			} else {
				c.Fields &^= k.fields
			}
			use(savePrefix + k.key)
		}
	}
	if v, ok := p.Get(savePrefix + "timestamp_format"); ok {
		v = strings.TrimSpace(v)
		use(savePrefix + "timestamp_format")
		switch {
		case strings.EqualFold(v, "none"):
			c.Fields &^= FieldTimestamp
			c.TimestampFormat = ""
		case v == "" || strings.EqualFold(v, "ms"):
		default:
			c.TimestampFormat = v
		}
	}
	c.Fields &= d.exists
	if v, ok := p.Get(savePrefix + "default_delimiter"); ok {
		use(savePrefix + "default_delimiter")
		if d, err := parseDelimiter(v); err == nil {
			c.Delimiter = d
		}
	}
	if v, ok := p.Get(savePrefix + "print_field_names"); ok {
		c.Header = strings.EqualFold(strings.TrimSpace(v), "true")
	}
	if v, ok := p.Get("sample_variables"); ok {
		use("sample_variables")
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				c.Variables = append(c.Variables, name)
			}
		}
	}
	why := "JMeter " + d.version + " defaults"
	var srcs []string
	for src := range used {
		srcs = append(srcs, src)
	}
	sort.Strings(srcs)
	for i, src := range srcs {
		keys := used[src]
		sort.Strings(keys)
		sep := ", "
		if i == 0 {
			sep = " with "
		}
		why += sep + strings.Join(keys, ", ") + " from " + src
	}
	c.Why = why
	return c
}

// defaultsVersion returns the JMeter release whose defaults p's unset keys
// take: the one detected from the loaded jmeter.properties, else 5.x.
func (p *Properties) defaultsVersion() string {
	if p != nil {
		switch p.versionHint {
		case "3.1+":
			return "5.x"
		case "3.0", "2.13":
			return p.versionHint
		}
	}
	return "5.x"
}

// candidateVersions returns the releases whose defaults may apply to p,
// most likely first.
func (p *Properties) candidateVersions() []string {
	if p != nil {
		switch p.versionHint {
		case "3.1+":
			return []string{"5.x", "3.1-4.0"}
		case "3.0":
			return []string{"3.0"}
		case "2.13":
			return []string{"2.13", "3.0"}
		}
	}
	return []string{"5.x", "3.1-4.0", "3.0", "2.13"}
}

// parseDelimiter checks a default_delimiter value as JMeter does: one
// printable character that is not a letter, a digit or a quote; the two
// characters \t mean TAB.
func parseDelimiter(v string) (byte, error) {
	if v == `\t` || v == "\t" {
		return '\t', nil
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("delimiter %q: want one character", v)
	}
	c := v[0]
	if c == '"' || c < ' ' || c > '~' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
		return 0, fmt.Errorf("delimiter %q: not allowed", v)
	}
	return c, nil
}

// TimestampStart returns the value of sampleresult.timestamp.start and
// whether it is set.
func (p *Properties) TimestampStart() (start, ok bool) {
	v, ok := p.Get("sampleresult.timestamp.start")
	if !ok {
		return false, false
	}
	return strings.EqualFold(strings.TrimSpace(v), "true"), true
}
