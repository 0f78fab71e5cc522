package component

import (
	"testing"
	"time"
)

func TestOptionCheck(t *testing.T) {
	cases := []struct {
		o    Option
		v    any
		want string
	}{
		{Option{Type: Enum, Enum: []string{"json", "text"}}, "txt", `"txt" is not one of "json", "text" (did you mean "text"?)`},
		{Option{Type: Enum, Enum: []string{"json", "text"}}, "xml", `"xml" is not one of "json", "text"`},
		{Option{Type: Enum, Enum: []string{"json"}}, "json", ""},
		{Option{Type: Int, HasMin: true, Min: 1}, int64(0), "must be at least 1, got 0"},
		{Option{Type: Int, HasMin: true, Min: 1, HasMax: true, Max: 1024}, int64(2000), "must be between 1 and 1024, got 2000"},
		{Option{Type: Int, HasMax: true, Max: 10}, int64(11), "must be at most 10, got 11"},
		{Option{Type: Int, HasMin: true, Min: 0}, int64(-9007199254740993), "must be at least 0, got -9007199254740993"},
		{Option{Type: Float, HasMin: true, ExclusiveMin: true}, 0.0, "must be greater than 0, got 0"},
		{Option{Type: Float, HasMin: true, ExclusiveMin: true}, 0.5, ""},
		{Option{Type: Duration, HasMin: true, Min: float64(10 * time.Millisecond)}, time.Millisecond, "must be at least 10ms, got 1ms"},
		{Option{Type: Size, HasMin: true, Min: 16}, int64(8), "must be at least 16 bytes, got 8 bytes"},
		{Option{Type: Count, HasMin: true, Min: 1, HasMax: true, Max: 1 << 24}, int64(1 << 25), "must be between 1 and 16777216, got 33554432"},
		{Option{Type: String}, "anything", ""},
	}
	for _, c := range cases {
		err := c.o.Check(c.v)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%v %v: got %q, want %q", c.o.Type, c.v, got, c.want)
		}
	}
}

func TestOptionDescriptions(t *testing.T) {
	if got := (&Option{Type: Int, HasMin: true, Min: 1, HasMax: true, Max: 1024}).Range(); got != "1 to 1024" {
		t.Errorf("Range %q", got)
	}
	if got := (&Option{Type: Float, HasMin: true, ExclusiveMin: true}).Range(); got != "greater than 0" {
		t.Errorf("Range %q", got)
	}
	if got := (&Option{Type: Duration, HasMin: true}).Range(); got != "at least 0s" {
		t.Errorf("Range %q", got)
	}
	if got := (&Option{Type: String, HasMin: true}).Range(); got != "" {
		t.Errorf("a string has no range: %q", got)
	}
	m := &Option{Type: Map, Elem: &Option{Type: Enum}}
	if got := m.TypeName(); got != "map of enum" {
		t.Errorf("TypeName %q", got)
	}
	for v, want := range map[time.Duration]string{0: "0", time.Second: "1s", time.Minute: "1m", 90 * time.Minute: "1h30m",
		time.Hour: "1h", 48 * time.Hour: "2d", 250 * time.Millisecond: "250ms", 1500 * time.Millisecond: "1.5s"} {
		if got := FormatDuration(v); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", v, got, want)
		}
	}
	size := &Option{Type: Size}
	for v, want := range map[int64]string{0: "0", 512: "512", 1 << 10: "1KiB", 3 << 20: "3MiB", 1500: "1500"} {
		if got := size.FormatValue(v); got != want {
			t.Errorf("FormatValue(size %d) = %q, want %q", v, got, want)
		}
	}
	if got := (&Option{Type: String}).FormatValue(""); got != `""` {
		t.Errorf("empty string default renders as %q", got)
	}
}

func TestPath(t *testing.T) {
	cases := []struct {
		p    Path
		want string
	}{
		{At("schema", "ts"), "schema.ts"},
		{At("headers").Index(2).Key("name"), "headers[2].name"},
		{At("labels").Key("a.b"), `labels["a.b"]`},
		{At("labels").Key(""), `labels[""]`},
		{At("rate"), "rate"},
		{Path{}, ""},
	}
	for _, c := range cases {
		if got := c.p.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	base := At("tls")
	a, b := base.Key("cert"), base.Key("key")
	if a.String() != "tls.cert" || b.String() != "tls.key" || base.String() != "tls" {
		t.Errorf("extending a path changed another: %s %s %s", a, b, base)
	}
	if j := At("aggregates").Join(At("p95")); j.String() != "aggregates.p95" || j.Option() != "aggregates" || j.Len() != 2 {
		t.Errorf("Join: %s", j)
	}
	if p := At("a", "b", "c").Prefix(2); p.String() != "a.b" {
		t.Errorf("Prefix: %s", p)
	}
}
