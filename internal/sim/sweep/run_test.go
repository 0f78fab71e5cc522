package sweep

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/sim"
)

// tiny is a grid of two periods with six latency points (three jittered
// components at two rates) and one search each, small enough for the race
// detector.
func tiny() Grid {
	return Grid{
		Duration:         time.Second,
		ConsumerRate:     20_000,
		Jitter:           sim.Poisson,
		Fractions:        []float64{0.5, 0.9},
		Periods:          []time.Duration{500 * time.Microsecond, time.Millisecond},
		LatencyFactors:   []float64{1.5},
		EffectiveFactors: []float64{1.5},
		Seed:             1,
	}
}

// TestResultsIndependentOfWorkers: one worker or four, the same numbers.
func TestResultsIndependentOfWorkers(t *testing.T) {
	g := tiny()
	g.Periods = g.Periods[:1]
	a, err := Run(context.Background(), g, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), g, Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("results depend on the number of workers")
	}
}

func TestProgressBar(t *testing.T) {
	g := tiny()
	g.Periods, g.Fractions = g.Periods[:1], g.Fractions[:1]
	var bar bytes.Buffer
	if _, err := Run(context.Background(), g, Options{Progress: &bar}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bar.String(), "sim sweep") {
		t.Fatalf("no progress bar drawn: %q", bar.String())
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, tiny(), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}
