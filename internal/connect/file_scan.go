package connect

import (
	"time"
	"unsafe"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/valyala/fastjson/fastfloat"
)

// scan decodes line into d.cur when it is a flat JSON object the fastjson
// parser would read the same way: keys and string values without escape
// sequences or control characters, numbers in strict JSON syntax, true,
// false and null, JSON whitespace between tokens. Every value must suit
// its field's kind. It reports false, leaving d.cur and d.seen partly
// written, for anything else: an object or array value, an escape, a value
// of the wrong kind, a syntax error. The caller then decodes the line
// with the parser, which gives the result or the error. It builds no tree
// and looks up no key by name when the keys come in the order of the line
// before.
func (d *decoder) scan(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for pos := 0; ; pos++ {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end := plainStringEnd(b, i+1)
		if end < 0 {
			return false
		}
		key := b[i+1 : end]
		i = skipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return false
		}
		var ok bool
		if i, ok = d.scanValue(b, i, d.fieldOf(pos, key)); !ok {
			return false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// scanValue reads the value at b[i] into field fi (-1: undeclared, read
// and dropped) and returns the index after it.
func (d *decoder) scanValue(b []byte, i, fi int) (int, bool) {
	var f *fileField
	if fi >= 0 {
		f = &d.fields[fi]
	}
	var v event.Value
	switch c := b[i]; {
	case c == '"':
		end := plainStringEnd(b, i+1)
		if end < 0 {
			return 0, false
		}
		if f == nil {
			return end + 1, true
		}
		s := b[i+1 : end]
		switch f.kind {
		case event.String:
			v = event.StringValue(f.intern.get(s))
		case event.Time:
			t, ok := parseTime(s)
			if !ok {
				return 0, false
			}
			v = event.TimeValue(t)
		default:
			return 0, false
		}
		i = end + 1
	case c == '-' || (c >= '0' && c <= '9'):
		end, integral := numberEnd(b, i)
		if end < 0 {
			return 0, false
		}
		if f == nil {
			return end, true
		}
		text := b[i:end]
		s := unsafe.String(unsafe.SliceData(text), len(text))
		switch f.kind {
		case event.Int:
			if !integral {
				return 0, false
			}
			n, err := fastfloat.ParseInt64(s)
			if err != nil {
				return 0, false
			}
			v = event.IntValue(n)
		case event.Float:
			x, err := fastfloat.Parse(s)
			if err != nil {
				return 0, false
			}
			v = event.FloatValue(x)
		case event.Time:
			t, ok := timeFromNumber(text)
			if !ok {
				return 0, false
			}
			v = event.TimeValue(t)
		default:
			return 0, false
		}
		i = end
	case c == 't' || c == 'f':
		val := c == 't'
		lit := "false"
		if val {
			lit = "true"
		}
		if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
			return 0, false
		}
		i += len(lit)
		if f == nil {
			return i, true
		}
		if f.kind != event.Bool {
			return 0, false
		}
		v = event.BoolValue(val)
	case c == 'n':
		if len(b)-i < 4 || string(b[i:i+4]) != "null" {
			return 0, false
		}
		return i + 4, true // null is absent
	default:
		return 0, false // objects, arrays, errors: the parser's
	}
	d.cur[f.slot] = v
	d.seen[fi] = d.gen
	return i, true
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainStringEnd returns the index of the quote closing a string whose
// contents start at b[i], or -1 when there is none or the string holds an
// escape sequence or a control character.
func plainStringEnd(b []byte, i int) int {
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i
		case c == '\\' || c < 0x20:
			return -1
		}
	}
	return -1
}

// numberEnd returns the index after a number in strict JSON syntax that
// starts at b[i], or -1, and whether it has neither fraction nor exponent.
func numberEnd(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1, false
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = digitsEnd(b, i)
	default:
		return -1, false
	}
	integral := true
	if i < len(b) && b[i] == '.' {
		j := digitsEnd(b, i+1)
		if j == i+1 {
			return -1, false
		}
		i, integral = j, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digitsEnd(b, i)
		if j == i {
			return -1, false
		}
		i, integral = j, false
	}
	return i, integral
}

func digitsEnd(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// parseTime reads an RFC 3339 time as time.Parse(time.RFC3339Nano) does.
// The common UTC form (2006-01-02T15:04:05.999999999Z, up to nine fraction
// digits) is read here; every other form goes to time.Parse.
func parseTime(b []byte) (int64, bool) {
	if t, ok := parseUTC(b); ok {
		return t, true
	}
	// time.Parse keeps no reference to its input after returning (only
	// its error does, and the error is dropped), so the bytes need not be
	// copied into a string.
	t, err := time.Parse(time.RFC3339Nano, unsafe.String(unsafe.SliceData(b), len(b)))
	if err != nil {
		return 0, false
	}
	return t.UnixNano(), true
}

// parseUTC reads "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" with every field in its
// range; ok is false for anything else, including forms time.Parse
// accepts.
func parseUTC(b []byte) (int64, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[len(b)-1] != 'Z' {
		return 0, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	nsec := 0
	if frac := b[19 : len(b)-1]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return 0, false
		}
		n, ok := digits(frac[1:])
		if !ok {
			return 0, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nsec = n
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC).UnixNano(), true
}

// digits reads a run of decimal digits (at most 9, so it cannot overflow).
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
