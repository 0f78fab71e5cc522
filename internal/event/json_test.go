package event

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestAppendText(t *testing.T) {
	ts := time.Date(2024, 2, 23, 10, 4, 5, 120_000_000, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		v    Value
		want string
	}{
		{Value{}, `null`},
		{BoolValue(true), `true`},
		{BoolValue(false), `false`},
		{IntValue(-9007199254740993), `-9007199254740993`},
		{IntValue(math.MaxInt64), `9223372036854775807`},
		{FloatValue(1.5), `1.5`},
		{FloatValue(-0.1), `-0.1`},
		{FloatValue(3), `3`},
		{FloatValue(1e21), `1e+21`},
		{FloatValue(1e-7), `1e-07`},
		{FloatValue(math.NaN()), `null`},
		{FloatValue(math.Inf(1)), `null`},
		{FloatValue(math.Inf(-1)), `null`},
		{StringValue(""), `""`},
		{StringValue("plain"), `"plain"`},
		{StringValue(`say "hi" \ bye`), `"say \"hi\" \\ bye"`},
		{StringValue("tab\tnl\ncr\r\x00\x1f"), `"tab\u0009nl\u000acr\u000d\u0000\u001f"`},
		{StringValue("\x7f</script>&"), "\"\x7f</script>&\""},
		{StringValue("héllo, 世界 🌊"), `"héllo, 世界 🌊"`},
		{StringValue("bad\xffutf8\xc3"), `"bad\ufffdutf8\ufffd"`},
		{StringValue("\xed\xa0\x80"), `"\ufffd\ufffd\ufffd"`}, // a UTF-16 surrogate is not valid UTF-8
		{TimeValue(ts.UnixNano()), `"2024-02-23T09:04:05.12Z"`},
		{TimeValue(0), `"1970-01-01T00:00:00Z"`},
	} {
		got := string(tc.v.AppendText(nil))
		if got != tc.want {
			t.Errorf("%#v.AppendText = %s, want %s", tc.v, got, tc.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%#v.AppendText = %s: not valid JSON", tc.v, got)
		}
		if tc.v.String() != got {
			t.Errorf("String() = %s, AppendText = %s", tc.v.String(), got)
		}
	}
}

// Every string, valid UTF-8 or not, must come out as a JSON string that
// decodes to what encoding/json makes of the same string.
func TestAppendTextStringRoundTrip(t *testing.T) {
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
	}
	for _, s := range []string{string(all), "a\u2028b\u2029c", "\U0010FFFF", "é" + string(all[128:]) + "é"} {
		got := StringValue(s).AppendText(nil)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		if err := json.Unmarshal(want, &wantBack); err != nil {
			t.Fatal(err)
		}
		if back != wantBack {
			t.Errorf("%q decodes to %q, encoding/json gives %q", s, back, wantBack)
		}
	}
}

func TestAppendTextAppendsWithoutAllocating(t *testing.T) {
	buf := make([]byte, 0, 256)
	for _, v := range []Value{IntValue(7), FloatValue(2.5), BoolValue(true), StringValue("a\"b\x01é\xff"), TimeValue(1e18), {}} {
		prefix := append(buf[:0], "x="...)
		out := v.AppendText(prefix)
		if !strings.HasPrefix(string(out), "x=") || string(out[2:]) != v.String() {
			t.Errorf("AppendText dropped or garbled the prefix: %s", out)
		}
		if a := testing.AllocsPerRun(100, func() { buf = v.AppendText(buf[:0]) }); a != 0 {
			t.Errorf("%#v.AppendText allocates %v times with room in dst", v, a)
		}
	}
}

func TestSchemaAppendJSON(t *testing.T) {
	s := MustSchema("acme", "clicks",
		Field{Name: "user", Kind: String},
		Field{Name: `we"ird\name`, Kind: Int},
		Field{Name: "ok", Kind: Bool},
		Field{Name: "ms", Kind: Float})
	e := &Event{Fields: []Value{StringValue("ann\n"), IntValue(3)}}
	got := string(s.AppendJSON([]byte("> "), e))
	const want = `> {"user":"ann\u000a","we\"ird\\name":3,"ok":null,"ms":null}`
	if got != want {
		t.Fatalf("AppendJSON = %s\nwant          %s", got, want)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(got[2:]), &m); err != nil {
		t.Fatal(err)
	}
	if m["user"] != "ann\n" || m[`we"ird\name`] != 3.0 || m["ok"] != nil || len(m) != 4 {
		t.Fatalf("decoded %v", m)
	}
	if got := string(MustSchema("", "empty").AppendJSON(nil, &Event{})); got != "{}" {
		t.Fatalf("empty schema: %s", got)
	}
	buf := make([]byte, 0, 256)
	if a := testing.AllocsPerRun(100, func() { buf = s.AppendJSON(buf[:0], e) }); a != 0 {
		t.Fatalf("AppendJSON allocates %v times with room in dst", a)
	}
}
