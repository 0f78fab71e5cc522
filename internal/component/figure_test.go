package component

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheckFigure(t *testing.T) {
	good := []Figure{
		CounterOf("http_source_accepted_events_total", "Events accepted.", 3),
		GaugeOf("inbox_fill_ratio", "Fill.", 0.5),
		CounterOf("http_source_responses_total", "Answers.", 1, "status", "200"),
		GaugeOf("dispatch_rtt_mean_seconds", "Mean round trip.", 0.01),
	}
	for _, f := range good {
		if err := CheckFigure(f); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
	bad := map[string]Figure{
		"snake_case":      CounterOf("httpSource_total", "x", 1),
		"ends in _total":  CounterOf("accepted_events", "x", 1),
		"does not end":    GaugeOf("depth_total", "x", 1),
		"reserved for":    GaugeOf("requests_count", "x", 1),
		"base unit":       GaugeOf("rtt_milliseconds", "x", 1),
		"no help":         GaugeOf("depth_events", " ", 1),
		"kind":            {Name: "depth_events", Help: "x"},
		"is reserved":     GaugeOf("depth_events", "x", 1, "tenant", "a"),
		"label \"a\" rep": GaugeOf("depth_events", "x", 1, "a", "1", "a", "2"),
		"label \"A\"":     GaugeOf("depth_events", "x", 1, "A", "1"),
		"not snake_case":  GaugeOf("_depth", "x", 1),
	}
	for want, f := range bad {
		err := CheckFigure(f)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want an error saying %q", f, err, want)
		}
	}
}

func TestFigureKindJSON(t *testing.T) {
	b, err := json.Marshal(GaugeOf("x_ratio", "h", 0.25, "k", "v"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"x_ratio","help":"h","kind":"gauge","value":0.25,"labels":[{"name":"k","value":"v"}]}`; string(b) != want {
		t.Fatalf("%s, want %s", b, want)
	}
	var f Figure
	if err := json.Unmarshal(b, &f); err != nil || f.Kind != Gauge {
		t.Fatalf("%+v %v", f, err)
	}
	if err := json.Unmarshal([]byte(`{"kind":"histogram"}`), &f); err == nil {
		t.Fatal("kind histogram accepted")
	}
}
