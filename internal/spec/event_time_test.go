package spec

import (
	"strings"
	"testing"
	"time"
)

func TestEventTimeParses(t *testing.T) {
	p, err := Parse("et.yaml", []byte(`sources:
  gen:
    type: generate
    event_time: {max_out_of_orderness: 5s, idle_timeout: 1m}
sinks:
  out: {type: blackhole, inputs: [gen]}
`), testCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	et := p.ByName["gen"].EventTime
	if et.MaxOutOfOrderness != 5*time.Second || et.IdleTimeout != time.Minute || et.Pos.Line != 4 {
		t.Fatalf("event_time %+v", et)
	}
}

func TestEventTimeErrors(t *testing.T) {
	_, err := Parse("et.yaml", []byte(`sources:
  gen:
    type: generate
    event_time: {max_out_of_ordernes: 5s, idle_timeout: soon}
sinks:
  out: {type: blackhole, inputs: [gen], event_time: {idle_timeout: 1s}}
`), testCatalog(t))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		`et.yaml:4:18: source "gen": option "event_time": unknown key "max_out_of_ordernes" (did you mean "max_out_of_orderness"?)`,
		`et.yaml:4:57: source "gen": option "event_time.idle_timeout": invalid duration "soon"`,
		`et.yaml:6:41: sink "out": "event_time" is only for sources`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
}
