package bench

import (
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/sim"
)

// TestDispatchProbeJudgesTheQueue: a live probe well below the consumer's
// rate is bounded and delivers what it is offered; one well above is not
// bounded and delivers about the consumer's rate.
func TestDispatchProbeJudgesTheQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the live dispatcher for 3 s")
	}
	// The probe is live: a host that starves the dispatcher's goroutine
	// for a while (the race detector beside other tests) does make its
	// queue grow. Up to three tries, so that a judgement that is wrong
	// every time fails and one starved second does not.
	var low probeResult
	for try := range 3 {
		var err error
		if low, err = liveProbe(sim.Uniform, 1.5, false, 0.5*dispatchConsumer, 1500*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if low.bounded && low.throughput >= 0.4*dispatchConsumer && low.throughput <= 0.55*dispatchConsumer {
			break
		}
		t.Logf("try %d at half the consumer's rate: bounded %v, throughput %.0f/s", try+1, low.bounded, low.throughput)
	}
	if !low.bounded || low.throughput < 0.4*dispatchConsumer || low.throughput > 0.55*dispatchConsumer {
		t.Errorf("at half the consumer's rate: bounded %v, throughput %.0f/s", low.bounded, low.throughput)
	}
	high, err := liveProbe(sim.Uniform, 1.5, false, 1.5*dispatchConsumer, 1500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if high.bounded || high.throughput > 1.02*dispatchConsumer || high.throughput < 0.5*dispatchConsumer {
		t.Errorf("at 1.5 times the consumer's rate: bounded %v, throughput %.0f/s", high.bounded, high.throughput)
	}
	if high.maxInFlight > 150 {
		t.Errorf("the uncompensated dispatcher let the consumer hold %d, above its level 150", high.maxInFlight)
	}
}
