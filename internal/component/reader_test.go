package component

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var readerSpec = &Spec{Type: "t", Options: []Option{
	{Name: "rate", Type: Float, Default: 0.0, HasMin: true},
	{Name: "count", Type: Int, Default: int64(10), HasMin: true, Min: 1},
	{Name: "mode", Type: Enum, Enum: []string{"a", "b"}, Default: "a"},
	{Name: "every", Type: Duration, Default: time.Second},
	{Name: "path", Type: String, Required: true},
	{Name: "schema", Type: Map, Elem: &Option{Type: Enum, Enum: []string{"int", "string"}}},
	{Name: "tls", Type: Object, Options: []Option{
		{Name: "cert", Type: String},
		{Name: "verify", Type: Bool, Default: true},
	}},
	{Name: "headers", Type: List, Elem: &Option{Type: Object, Options: []Option{{Name: "name", Type: String}}}},
}}

func TestReaderDefaults(t *testing.T) {
	r := NewReader(readerSpec, NewOptions(map[string]any{"rate": 5.0}))
	if r.Float("rate") != 5 || r.Int("count") != 10 || r.String("mode") != "a" || r.Duration("every") != time.Second {
		t.Errorf("given or default values wrong")
	}
	if r.String("path") != "" || r.Given("count") || !r.Given("rate") {
		t.Errorf("a required option has no default; Given tells given from defaulted")
	}
	if tls := r.Object("tls"); !tls.Bool("verify") || tls.String("cert") != "" {
		t.Errorf("an absent object gives its sub-options' defaults")
	}
	if r.Err() != nil {
		t.Fatalf("problems: %v", r.Err())
	}
}

// TestReaderCollectsEveryProblem: bounds and enums are checked as the
// loader checks them, and New's own problems join them, each at its path.
func TestReaderCollectsEveryProblem(t *testing.T) {
	r := NewReader(readerSpec, NewOptions(map[string]any{
		"count":   int64(0),
		"mode":    "c",
		"schema":  map[string]string{"ts": "tiem", "user": "strng", "n": "int"},
		"tls":     map[string]any{"cert": ""},
		"headers": []any{map[string]any{"name": "x"}, map[string]any{"name": ""}},
	}))
	r.Int("count")
	r.String("mode")
	r.Map("schema")
	tls := r.Object("tls")
	if tls.String("cert") == "" {
		r.Fail(tls.At("cert"), "must name a file")
	}
	for _, h := range r.Objects("headers") {
		if h.String("name") == "" {
			r.Fail(h.At("name"), "is empty")
		}
	}
	err := r.Err()
	want := []string{
		`option "count": must be at least 1, got 0`,
		`option "mode": "c" is not one of "a", "b"`,
		`option "schema.ts": "tiem" is not one of "int", "string"`,
		`option "schema.user": "strng" is not one of "int", "string" (did you mean "string"?)`,
		`option "tls.cert": must name a file`,
		`option "headers[1].name": is empty`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Fatalf("got\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
	var oes OptionErrors
	if !errors.As(err, &oes) || len(oes) != len(want) {
		t.Fatalf("error %T, want OptionErrors of %d", err, len(want))
	}
}

func TestReaderPanicsOnUndeclaredOrMistypedOption(t *testing.T) {
	for name, f := range map[string]func(r *Reader){
		"undeclared": func(r *Reader) { r.Int("nope") },
		"mistyped":   func(r *Reader) { r.String("count") },
	} {
		func() {
			defer func() {
				if p := recover(); p == nil || !strings.HasPrefix(fmt.Sprint(p), "BUG: ") {
					t.Errorf("%s: panic %v, want a BUG panic", name, p)
				}
			}()
			f(NewReader(readerSpec, NewOptions(map[string]any{"count": int64(3)})))
		}()
	}
}

// TestProblems: nested OptionErrors add their paths to their parent's, and
// other errors stay whole.
func TestProblems(t *testing.T) {
	inner := errors.Join(PathErr(At("p95"), "bad"), PathErr(At("avg"), "worse"))
	err := errors.Join(
		&OptionError{Path: At("aggregates"), Err: inner},
		OptErr("rate", "too fast"),
		fmt.Errorf("needs exactly 1 input, got %d", 2),
		&OptionError{Path: At("schema", "ts"), Err: errors.New("nested")},
	)
	var got []string
	for _, p := range Problems(err) {
		got = append(got, p.Path.String()+": "+p.Err.Error())
	}
	want := "aggregates.p95: bad|aggregates.avg: worse|rate: too fast|: needs exactly 1 input, got 2|schema.ts: nested"
	if strings.Join(got, "|") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
	if Problems(nil) != nil {
		t.Errorf("nil has problems")
	}
}
