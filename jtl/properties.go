package jtl

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Properties are JMeter properties (key=value), as read from
// jmeter.properties, user.properties, -q files and -J overrides, later
// sources overriding earlier ones. Each value remembers where it came from,
// so that the reader can say which file or flag decided a CSV layout.
//
// The zero value is an empty set; a nil *Properties is also empty.
type Properties struct {
	m   map[string]string
	src map[string]string // key -> file name or "-J"
	// files are the property files loaded, in order.
	files []string
	// versionHint is the JMeter release that shipped the main
	// jmeter.properties, guessed from its content ("" when unknown).
	versionHint string
}

// PropertyFiles names the JMeter property sources of a run, in JMeter's
// order of precedence (later wins): the main jmeter.properties (-p), the
// user.properties beside it, the -q files, then the -J overrides.
type PropertyFiles struct {
	// JMeterProperties is the jmeter.properties file ("" for none). Its
	// user.properties property (default "user.properties") names a file that
	// is read next if it exists, relative to the same directory, as JMeter does.
	JMeterProperties string
	// AddProps are extra property files (jmeter -q FILE), in order.
	AddProps []string
	// Overrides are "key=value" pairs (jmeter -J key=value), in order.
	Overrides []string
}

// LoadProperties loads the JMeter properties named by f with JMeter's
// precedence. It returns nil, nil when f names nothing, so that the reader
// falls back to JMeter's defaults.
func LoadProperties(f PropertyFiles) (*Properties, error) {
	if f.JMeterProperties == "" && len(f.AddProps) == 0 && len(f.Overrides) == 0 {
		return nil, nil
	}
	p := &Properties{}
	if f.JMeterProperties != "" {
		if err := p.LoadFile(f.JMeterProperties); err != nil {
			return nil, err
		}
		p.versionHint = p.detectVersion(f.JMeterProperties)
		up, ok := p.Get("user.properties")
		if !ok {
			up = "user.properties"
		}
		if up != "" {
			if !filepath.IsAbs(up) {
				up = filepath.Join(filepath.Dir(f.JMeterProperties), up)
			}
			if _, err := os.Stat(up); err == nil {
				if err := p.LoadFile(up); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, name := range f.AddProps {
		if err := p.LoadFile(name); err != nil {
			return nil, err
		}
	}
	for _, kv := range f.Overrides {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("-J %q: want key=value", kv)
		}
		p.setFrom(k, v, "-J "+k)
	}
	return p, nil
}

// LoadFile reads a Java .properties file into p; its values override the
// ones already set.
func (p *Properties) LoadFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("JMeter properties: %w", err)
	}
	defer f.Close()
	if err := p.Load(f, name); err != nil {
		return err
	}
	p.files = append(p.files, name)
	return nil
}

// Load reads Java .properties text from r (source names it in messages and
// in Source): "#" and "!" comment lines, "key=value", "key: value" or
// "key value", a trailing backslash continuing the line, and the escapes
// \t \n \r \f \\ \uXXXX. Text that is not valid UTF-8 is read as ISO-8859-1,
// as Java does.
func (p *Properties) Load(r io.Reader, source string) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	text := string(data)
	if !utf8.ValidString(text) {
		rs := make([]rune, len(data))
		for i, b := range data {
			rs[i] = rune(b)
		}
		text = string(rs)
	}
	text = strings.TrimPrefix(text, "\ufeff")
	lines := splitLines(text)
	for i := 0; i < len(lines); i++ {
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// Join continuation lines: a line ending in an odd number of
		// backslashes continues on the next line, whose leading
		// white space is dropped.
		for endsWithContinuation(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		if endsWithContinuation(line) {
			line = line[:len(line)-1]
		}
		k, v := splitProperty(line)
		p.setFrom(unescapeProperty(k), unescapeProperty(v), source)
	}
	return nil
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

func endsWithContinuation(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty splits a logical line into its raw (still escaped) key and
// value: the key ends at the first unescaped '=', ':' or white space.
func splitProperty(line string) (key, value string) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	if i > len(line) {
		i = len(line)
	}
	key = line[:i]
	rest := strings.TrimLeft(line[i:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return key, rest
}

func unescapeProperty(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 <= len(s) {
				if n, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(n))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// Get returns the value of key and whether it is set.
func (p *Properties) Get(key string) (string, bool) {
	if p == nil || p.m == nil {
		return "", false
	}
	v, ok := p.m[key]
	return v, ok
}

// Set sets key to value (as -J key=value does).
func (p *Properties) Set(key, value string) {
	p.setFrom(key, value, "-J "+key)
}

func (p *Properties) setFrom(key, value, source string) {
	if p.m == nil {
		p.m = map[string]string{}
		p.src = map[string]string{}
	}
	p.m[key] = value
	p.src[key] = source
}

// Source returns where the value of key came from: a file name, or "-J key"
// for an override; "" when key is not set.
func (p *Properties) Source(key string) string {
	if p == nil || p.src == nil {
		return ""
	}
	return p.src[key]
}

// Keys returns the keys set, sorted.
func (p *Properties) Keys() []string {
	if p == nil {
		return nil
	}
	keys := make([]string, 0, len(p.m))
	for k := range p.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Files returns the property files loaded, in order.
func (p *Properties) Files() []string {
	if p == nil {
		return nil
	}
	return p.files
}

// detectVersion guesses which JMeter release shipped the jmeter.properties
// file name from the save-service keys it documents (commented out): the
// sent_bytes key exists since 3.1, and the documented default of
// print_field_names changed to true in 3.0. It returns "" when unsure.
func (p *Properties) detectVersion(name string) string {
	data, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	if !bytes.Contains(data, []byte("jmeter.save.saveservice")) {
		return ""
	}
	switch {
	case bytes.Contains(data, []byte("saveservice.sent_bytes")):
		return "3.1+"
	case bytes.Contains(data, []byte("#jmeter.save.saveservice.print_field_names=true")):
		return "3.0"
	default:
		return "2.13"
	}
}
