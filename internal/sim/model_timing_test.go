package sim

import (
	"testing"
	"time"
)

// TestRunAllocationsDoNotGrowWithRequests: a bounded run allocates the same
// whether it simulates 100k or 400k requests.
func TestRunAllocationsDoNotGrowWithRequests(t *testing.T) {
	allocs := func(d time.Duration) float64 {
		c := uniformConfig(d, 100_000)
		c.DispatcherDelays = Poisson
		c.Factor = 3
		return testing.AllocsPerRun(2, func() {
			if _, err := Run(c); err != nil {
				t.Fatal(err)
			}
		})
	}
	short, long := allocs(time.Second), allocs(4*time.Second)
	// The line may double a few more times in a longer run as its longest
	// queue grows, and the runtime allocates a little on its own under load
	// and the race detector; per-request allocation would add hundreds of
	// thousands.
	if long > short+64 {
		t.Fatalf("%g allocations for 100k requests, %g for 400k: allocation per request", short, long)
	}
}

func benchmarkRun(b *testing.B, c Config) {
	b.ReportAllocs()
	var requests int64
	for b.Loop() {
		r, err := Run(c)
		if err != nil {
			b.Fatal(err)
		}
		requests += r.Produced
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(requests), "ns/request")
}

// BenchmarkRunUniform is the article's first command, one virtual second.
func BenchmarkRunUniform(b *testing.B) {
	benchmarkRun(b, uniformConfig(time.Second, 200_000))
}

// BenchmarkRunPoissonDispatcher has the queue growing without bound.
func BenchmarkRunPoissonDispatcher(b *testing.B) {
	c := uniformConfig(time.Second, 200_000)
	c.DispatcherDelays = Poisson
	benchmarkRun(b, c)
}

// BenchmarkRunAllPoisson draws a random gap for every event.
func BenchmarkRunAllPoisson(b *testing.B) {
	c := uniformConfig(time.Second, 200_000)
	c.ProducerRate = 150_000
	c.ProducerDelays, c.DispatcherDelays, c.ConsumerDelays = Poisson, Poisson, Poisson
	c.Factor = 3
	benchmarkRun(b, c)
}
