package connect

import (
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

// lineFormat renders events as lines: a JSON object, or aligned
// `field=value` text. It writes the event's schema's fields in slot order,
// or only the selected fields in the selected order (a field the event's
// schema lacks is written as null). The columns are worked out once per
// schema version and kept by schema ID, so events of several types may
// interleave at no cost; a type evolved at run time (an event wider than
// its columns) is bound again. Not safe for concurrent use.
type lineFormat struct {
	text   bool
	fields []string // selected fields; nil writes all
	cache  schemaCache
	cols   []column // the current event's columns
	widths []int    // text: widest `name=value` seen per column position

	last   *lineBinding // the previous event's
	lastID uint32
	byID   map[uint32]*lineBinding
}

// lineBinding is the columns of one schema version.
type lineBinding struct {
	schema *event.Schema
	cols   []column
}

type column struct {
	slot    int    // -1: not in the schema, written as null
	jsonKey []byte // `"name":`
	textKey []byte // `name=`
}

// append appends e as one line, newline included.
func (lf *lineFormat) append(dst []byte, e *event.Event) ([]byte, error) {
	b := lf.last
	if b == nil || lf.lastID != e.Schema || len(e.Fields) > len(b.schema.Fields) {
		var err error
		if b, err = lf.binding(e); err != nil {
			return dst, err
		}
	}
	lf.cols = b.cols
	if lf.text {
		dst = lf.appendText(dst, e)
	} else {
		dst = lf.appendJSON(dst, e)
	}
	return append(dst, '\n'), nil
}

// binding returns the columns for e's schema, binding them the first time
// and again when e is wider than the version they were bound to.
func (lf *lineFormat) binding(e *event.Event) (*lineBinding, error) {
	b := lf.byID[e.Schema]
	if b == nil || len(e.Fields) > len(b.schema.Fields) {
		s, err := lf.cache.get(e.Schema, len(e.Fields))
		if err != nil {
			return nil, err
		}
		if b == nil || b.schema != s {
			b = &lineBinding{schema: s, cols: lf.bind(s)}
			if lf.byID == nil {
				lf.byID = map[uint32]*lineBinding{}
			}
			lf.byID[e.Schema] = b
		}
	}
	lf.last, lf.lastID = b, e.Schema
	return b, nil
}

func (lf *lineFormat) bind(s *event.Schema) []column {
	names := lf.fields
	if names == nil {
		names = s.Names()
	}
	var cols []column
	for _, name := range names {
		slot, ok := s.Slot(name)
		if !ok {
			slot = -1
		}
		c := column{slot: slot}
		c.jsonKey = append(appendJSONString(nil, name), ':')
		c.textKey = append([]byte(name), '=')
		cols = append(cols, c)
	}
	for len(lf.widths) < len(cols) {
		lf.widths = append(lf.widths, 0)
	}
	return cols
}

func (lf *lineFormat) value(e *event.Event, c *column) event.Value {
	if c.slot < 0 {
		return event.Value{}
	}
	return e.Get(c.slot)
}

func (lf *lineFormat) appendJSON(dst []byte, e *event.Event) []byte {
	dst = append(dst, '{')
	for i := range lf.cols {
		c := &lf.cols[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, c.jsonKey...)
		dst = lf.value(e, c).AppendText(dst)
	}
	return append(dst, '}')
}

// appendText writes `name=value` pairs separated by spaces, each padded to
// the widest pair seen so far in its column, so consecutive lines of one
// schema line up.
func (lf *lineFormat) appendText(dst []byte, e *event.Event) []byte {
	last := len(lf.cols) - 1
	for i := range lf.cols {
		c := &lf.cols[i]
		start := len(dst)
		dst = append(dst, c.textKey...)
		dst = appendTextValue(dst, lf.value(e, c))
		if i == last {
			break
		}
		w := len(dst) - start
		if w > lf.widths[i] {
			lf.widths[i] = w
		}
		for range lf.widths[i] - w + 1 {
			dst = append(dst, ' ')
		}
	}
	return dst
}

// appendTextValue formats v for the text format: strings bare unless empty
// or holding spaces, '=', quotes or control characters (then JSON-quoted),
// times as RFC 3339 without quotes, everything else as in JSON.
func appendTextValue(dst []byte, v event.Value) []byte {
	switch v.Kind {
	case event.String:
		if needsQuotes(v.S) {
			return appendJSONString(dst, v.S)
		}
		return append(dst, v.S...)
	case event.Time:
		return time.Unix(0, int64(v.N)).UTC().AppendFormat(dst, time.RFC3339Nano)
	}
	return v.AppendText(dst)
}

func needsQuotes(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7f {
			return true
		}
	}
	return false
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"
