package wait

import (
	"strings"
	"testing"
)

func TestParseStrategyRoundTrip(t *testing.T) {
	for _, s := range []Strategy{Park, SpinThenPark, Yield, BusySpin} {
		got, err := ParseStrategy(s.String())
		if err != nil || got != s {
			t.Errorf("ParseStrategy(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
	}
}

func TestParseStrategyRejectsUnknown(t *testing.T) {
	_, err := ParseStrategy("spin")
	if err == nil {
		t.Fatal("ParseStrategy(\"spin\") succeeded")
	}
	for _, want := range []string{`"spin"`, "park", "spin_then_park", "yield", "busy_spin"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if s := Strategy(8).String(); s != "strategy(8)" {
		t.Errorf("Strategy(8).String() = %q", s)
	}
}

func TestStrategiesRoundTrip(t *testing.T) {
	all := Strategies()
	if len(all) < 4 {
		t.Fatalf("Strategies() = %v, want at least park, spin_then_park, yield, busy_spin", all)
	}
	for _, s := range all {
		got, err := ParseStrategy(s.String())
		if err != nil || got != s {
			t.Fatalf("ParseStrategy(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
	}
}
