package diag

import "testing"

func TestSuggest(t *testing.T) {
	cases := []struct {
		name       string
		candidates []string
		want       string
	}{
		{"rat", []string{"type", "rate", "count"}, "rate"},
		{"stauts", []string{"status", "host"}, "status"}, // a swap is one edit
		{"evnts", []string{"events", "errors"}, "events"},
		{"DROP", []string{"block", "drop_newest", "drop_oldest"}, "drop_newest"}, // prefix, any case
		{"startup", []string{"bitrate", "startup_ms"}, "startup_ms"},             // a unit left off
		{"inputs_list", []string{"inputs", "buffer"}, "inputs"},                  // a suffix added
		{"x", []string{"y", "xy"}, ""},                                           // short names match nothing far
		{"id", []string{"identity"}, ""},                                         // nor a prefix under 3
		{"colour", []string{"profile", "rate"}, ""},
		{"rate", []string{"rate"}, ""}, // the name itself is no suggestion
		{"Rate", []string{"rate"}, "rate"},
		{"", []string{"a"}, ""},
		{"session_lenght", []string{"session_length", "sessions"}, "session_length"},
		{"débit", []string{"debit"}, "debit"}, // runes, not bytes
	}
	for _, c := range cases {
		if got := Suggest(c.name, c.candidates); got != c.want {
			t.Errorf("Suggest(%q, %q) = %q, want %q", c.name, c.candidates, got, c.want)
		}
	}
	if got := DidYouMean("rat", []string{"rate"}); got != ` (did you mean "rate"?)` {
		t.Errorf("DidYouMean: %q", got)
	}
	if got := HintOrList("size", []string{"capacity", "when_full"}, "keys"); got != ` (keys: "capacity", "when_full")` {
		t.Errorf("HintOrList: %q", got)
	}
}

// TestSuggestLoaderNames: the names the pipeline loader suggests among.
func TestSuggestLoaderNames(t *testing.T) {
	cands := []string{"events", "sessions", "capacity", "when_full", "drop_newest", "drop_oldest"}
	tests := map[string]string{
		"evnts":    "events",
		"sesions":  "sessions",
		"Events":   "events",
		"cap":      "capacity",
		"whenfull": "when_full",
		"drop_new": "drop_newest",
		"xyz":      "",
		"e":        "",
		"":         "",
		"events":   "", // itself is not a suggestion
	}
	for in, want := range tests {
		if got := Suggest(in, cands); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
	if got := distance("kitten", "sitting"); got != 3 {
		t.Errorf("distance = %d, want 3", got)
	}
}
