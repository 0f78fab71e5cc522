package metrics

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/component"
)

// A component's figure is found by name and labels, and the JSON tree
// carries the figures under the tenant's components.
func TestComponentFigures(t *testing.T) {
	tn := Tenant{ID: "web", Components: []Component{{Name: "in", Component: "in", Type: "http", Figures: []component.Figure{
		component.CounterOf("http_source_responses_total", "Answers.", 3, "status", "202"),
		component.CounterOf("http_source_responses_total", "Answers.", 1, "status", "400"),
		component.GaugeOf("inbox_fill_ratio", "Fill.", 0.5),
	}}}}
	c := tn.Component("in")
	if c == nil || tn.Component("out") != nil {
		t.Fatal("Component by name")
	}
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
		ok     bool
	}{
		{"http_source_responses_total", []string{"status", "400"}, 1, true},
		{"http_source_responses_total", []string{"status", "202"}, 3, true},
		{"http_source_responses_total", []string{"status", "500"}, 0, false},
		{"inbox_fill_ratio", nil, 0.5, true},
		{"inbox_depth_events", nil, 0, false},
	} {
		if v, ok := c.Figure(tc.name, tc.labels...); v != tc.want || ok != tc.ok {
			t.Errorf("%s %v: %v %v, want %v %v", tc.name, tc.labels, v, ok, tc.want, tc.ok)
		}
	}
	b, err := json.Marshal(tn)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"components":[{"name":"in","component":"in","type":"http","instance":0,"figures":[{"name":"http_source_responses_total","help":"Answers.","kind":"counter","value":3,"labels":[{"name":"status","value":"202"}]}`; !strings.Contains(string(b), want) {
		t.Fatalf("JSON %s\nlacks %s", b, want)
	}
}
