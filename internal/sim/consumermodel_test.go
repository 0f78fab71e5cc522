package sim

import (
	"strings"
	"testing"
)

func TestParseConsumerModel(t *testing.T) {
	for _, c := range []struct {
		in   string
		want ConsumerModel
		str  string
	}{
		{"", ConsumerModel{}, "linear"},
		{"linear", ConsumerModel{}, "linear"},
		{"queue-depth:32", ConsumerModel{Knee: 32}, "queue-depth:32"},
		{"queue-depth:8:1.5", ConsumerModel{Knee: 8, Power: 1.5}, "queue-depth:8:1.5"},
	} {
		got, err := ParseConsumerModel(c.in)
		if err != nil || got != c.want || got.String() != c.str {
			t.Errorf("ParseConsumerModel(%q) = %+v (%s), %v", c.in, got, got, err)
		}
		if back, err := ParseConsumerModel(got.String()); err != nil || back != got {
			t.Errorf("%q does not read back: %+v, %v", got.String(), back, err)
		}
	}
	for _, bad := range []string{"quadratic", "queue-depth", "queue-depth:0", "queue-depth:-1", "queue-depth:x", "queue-depth:4:0", "queue-depth:4:2:1"} {
		_, err := ParseConsumerModel(bad)
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("ParseConsumerModel(%q): error %v does not name the value", bad, err)
		}
	}
}

func TestConsumerModelMultiplier(t *testing.T) {
	m := ConsumerModel{Knee: 10}
	for n, want := range map[int]float64{1: 1, 6: 1.25, 11: 2, 21: 5} {
		if got := m.multiplier(n); got != want {
			t.Errorf("queue-depth:10 at n=%d: %g, want %g", n, got, want)
		}
	}
	lin := ConsumerModel{Knee: 10, Power: 1}
	if got := lin.multiplier(21); got != 3 {
		t.Errorf("queue-depth:10:1 at n=21: %g, want 3", got)
	}
	cube := ConsumerModel{Knee: 10, Power: 3}
	if got := cube.multiplier(21); got != 9 {
		t.Errorf("queue-depth:10:3 at n=21: %g, want 9", got)
	}
}
