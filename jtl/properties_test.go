package jtl

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestPropertiesSyntax(t *testing.T) {
	p := &Properties{}
	if err := p.LoadFile("testdata/props/syntax.properties"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"plain":          "value",
		"colon":          "value two",
		"space":          "value three",
		"spaces.around":  "padded value  ", // Java keeps trailing white space
		"continued":      "first,second,third",
		"escaped key=x":  "a\tb\\cA",
		"empty":          "",
		"only.key":       "",
		"even.backslash": `ends\`,
		"next.line":      "ok",
		"dup":            "2",
	}
	for k, v := range want {
		got, ok := p.Get(k)
		if !ok || got != v {
			t.Errorf("Get(%q) = %q, %v; want %q", k, got, ok, v)
		}
	}
	if len(p.Keys()) != len(want) {
		t.Errorf("keys = %q; want %d keys (comments must not become keys)", p.Keys(), len(want))
	}
	if got := p.Source("plain"); got != "testdata/props/syntax.properties" {
		t.Errorf("Source(plain) = %q", got)
	}
}

func TestPropertiesLatin1(t *testing.T) {
	p := &Properties{}
	// "caf\xe9" is not UTF-8: Java reads .properties as ISO-8859-1.
	if err := p.Load(strings.NewReader("label=caf\xe9\n"), "x"); err != nil {
		t.Fatal(err)
	}
	if v, _ := p.Get("label"); v != "café" {
		t.Errorf("got %q", v)
	}
}

func TestLoadPropertiesPrecedence(t *testing.T) {
	// jmeter.properties < user.properties beside it < -q files < -J.
	p, err := LoadProperties(PropertyFiles{
		JMeterProperties: "testdata/props/v213/jmeter.properties",
		AddProps:         []string{"testdata/props/run.properties"},
		Overrides:        []string{"jmeter.save.saveservice.url=false", "threads=7"},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ key, val, src string }{
		{"sampleresult.timestamp.start", "true", "testdata/props/v213/jmeter.properties"},
		{"jmeter.save.saveservice.connect_time", "true", "testdata/props/run.properties"}, // user.properties said false, -q wins
		{"jmeter.save.saveservice.url", "false", "-J jmeter.save.saveservice.url"},        // user.properties and -q said true, -J wins
		{"threads", "7", "-J threads"},
		{"sample_variables", "retryAfter", "testdata/props/run.properties"},
	}
	for _, c := range cases {
		v, _ := p.Get(c.key)
		if v != c.val || p.Source(c.key) != c.src {
			t.Errorf("%s = %q from %q; want %q from %q", c.key, v, p.Source(c.key), c.val, c.src)
		}
	}
	want := []string{"testdata/props/v213/jmeter.properties", filepath.Join("testdata/props/v213", "user.properties"), "testdata/props/run.properties"}
	if got := p.Files(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("files = %q; want %q", got, want)
	}
}

func TestLoadPropertiesErrors(t *testing.T) {
	if p, err := LoadProperties(PropertyFiles{}); p != nil || err != nil {
		t.Errorf("no sources: got %v, %v; want nil, nil (JMeter defaults)", p, err)
	}
	if _, err := LoadProperties(PropertyFiles{AddProps: []string{"testdata/props/missing.properties"}}); err == nil {
		t.Error("missing -q file: no error")
	}
	if _, err := LoadProperties(PropertyFiles{Overrides: []string{"novalue"}}); err == nil || !strings.Contains(err.Error(), "key=value") {
		t.Errorf("bad -J: err = %v", err)
	}
	// A missing user.properties beside jmeter.properties is skipped, as JMeter does.
	if _, err := LoadProperties(PropertyFiles{JMeterProperties: "testdata/props/v56/jmeter.properties"}); err != nil {
		t.Error(err)
	}
}

// TestSaveConfigColumns checks the column list JMeter writes for a set of
// properties: the code order of section 2 of jtl-format.md, the defaults
// of each release, one flag for two columns, and sample variables last.
func TestSaveConfigColumns(t *testing.T) {
	const (
		v213 = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,grpThreads,allThreads,Latency"
		v30  = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,grpThreads,allThreads,Latency,IdleTime"
		v31  = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,Latency,IdleTime,Connect"
		v5   = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect"
	)
	cases := []struct {
		name    string
		version string
		props   []string
		want    string
		delim   byte
		header  bool
		tsFmt   string
	}{
		{"5.x defaults", "5.x", nil, v5, ',', true, "ms"},
		{"3.1 defaults", "3.1-4.0", nil, v31, ',', true, "ms"},
		{"3.0 defaults", "3.0", nil, v30, ',', true, "ms"},
		{"2.13 defaults", "2.13", nil, v213, ',', false, "ms"},
		{"2.13 has no sentBytes column", "2.13", []string{"jmeter.save.saveservice.sent_bytes=true"}, v213, ',', false, "ms"},
		{"scenario run.properties on 2.13", "2.13", []string{
			"jmeter.save.saveservice.print_field_names=true", "jmeter.save.saveservice.url=true",
			"jmeter.save.saveservice.connect_time=true", "sample_variables=retryAfter"},
			`timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,grpThreads,allThreads,URL,Latency,Connect,"retryAfter"`, ',', true, "ms"},
		{"thread_counts off drops two columns", "5.x", []string{"jmeter.save.saveservice.thread_counts=false"},
			"timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,URL,Latency,IdleTime,Connect", ',', true, "ms"},
		{"sample_count adds two columns; Connect stays last", "5.x", []string{"jmeter.save.saveservice.sample_count=true", "jmeter.save.saveservice.hostname=TRUE", "jmeter.save.saveservice.encoding=true", "jmeter.save.saveservice.filename=true"},
			"timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Filename,Latency,Encoding,SampleCount,ErrorCount,Hostname,IdleTime,Connect", ',', true, "ms"},
		{"timestamp none drops timeStamp", "5.x", []string{"jmeter.save.saveservice.timestamp_format=none", "jmeter.save.saveservice.url=false", "jmeter.save.saveservice.idle_time=false"},
			"elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,Latency,Connect", ',', true, ""},
		{"date pattern and tab", "5.x", []string{"jmeter.save.saveservice.timestamp_format=yyyy/MM/dd HH:mm:ss.SSS", `jmeter.save.saveservice.default_delimiter=\t`},
			v5, '\t', true, "yyyy/MM/dd HH:mm:ss.SSS"},
		{"variables trimmed, in order", "5.x", []string{"sample_variables= b , a,,c"}, v5 + `,"b","a","c"`, ',', true, "ms"},
		{"invalid delimiter ignored", "5.x", []string{"jmeter.save.saveservice.default_delimiter=ab"}, v5, ',', true, "ms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Properties{}
			for _, kv := range c.props {
				k, v, _ := strings.Cut(kv, "=")
				p.Set(k, v)
			}
			cfg := p.SaveConfig(c.version)
			if got := strings.Join(cfg.Columns(), ","); got != c.want {
				t.Errorf("columns\n got %s\nwant %s", got, c.want)
			}
			if cfg.Delimiter != c.delim || cfg.Header != c.header || cfg.TimestampFormat != c.tsFmt {
				t.Errorf("delimiter %q header %v ts %q; want %q %v %q", cfg.Delimiter, cfg.Header, cfg.TimestampFormat, c.delim, c.header, c.tsFmt)
			}
		})
	}
}

func TestSaveConfigVersionFromFile(t *testing.T) {
	for _, c := range []struct{ file, version string }{
		{"testdata/props/v213/jmeter.properties", "2.13"},
		{"testdata/props/v56/jmeter.properties", "5.x"},
	} {
		p, err := LoadProperties(PropertyFiles{JMeterProperties: c.file})
		if err != nil {
			t.Fatal(err)
		}
		cfg := p.SaveConfig("")
		if cfg.Version != c.version {
			t.Errorf("%s: defaults of %s; want %s", c.file, cfg.Version, c.version)
		}
	}
	// The 2.13 file's user.properties turns url on: the Why names it.
	p, _ := LoadProperties(PropertyFiles{JMeterProperties: "testdata/props/v213/jmeter.properties"})
	cfg := p.SaveConfig("")
	if !strings.Contains(cfg.Why, "url from testdata/props/v213/user.properties") || !strings.Contains(cfg.Why, "JMeter 2.13 defaults") {
		t.Errorf("Why = %q", cfg.Why)
	}
}

func TestParseDelimiter(t *testing.T) {
	for _, c := range []struct {
		in   string
		want byte
		ok   bool
	}{{",", ',', true}, {";", ';', true}, {"|", '|', true}, {`\t`, '\t', true}, {"\t", '\t', true},
		{"a", 0, false}, {"1", 0, false}, {`"`, 0, false}, {",,", 0, false}, {"", 0, false}} {
		got, err := parseDelimiter(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseDelimiter(%q) = %q, %v", c.in, got, err)
		}
	}
}
