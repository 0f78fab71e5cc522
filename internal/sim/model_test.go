package sim

import (
	"math"
	"reflect"
	"testing"
	"time"
)

func uniformConfig(d time.Duration, rate float64) Config {
	return Config{Duration: d, ProducerRate: rate, ConsumerRate: rate, Goal: DefaultGoal, Factor: DefaultFactor, Seed: 1}
}

func mustRun(t *testing.T, c Config) Result {
	t.Helper()
	r, err := Run(c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

// TestRunByHand: producer every 1 ms, dispatcher every 10 ms, consumer 0.5
// ms per request. Requests arriving at 1..10 ms are dispatched together at
// 10 ms and complete at 10.5, 11, …, 15 ms: the k-th waits 10 − k/2 ms in
// total and k/2 ms inside the consumer.
func TestRunByHand(t *testing.T) {
	c := Config{
		Duration: time.Second, ProducerRate: 1000, ConsumerRate: 2000,
		Goal: 10 * time.Millisecond, Factor: 2, Seed: 1,
	}
	r := mustRun(t, c)
	if r.Limit != 40 {
		t.Fatalf("limit %d, want 40", r.Limit)
	}
	if r.Produced != 1000 || r.Dispatched != 1000 || r.Completed != 990 {
		t.Fatalf("produced %d dispatched %d completed %d, want 1000, 1000, 990", r.Produced, r.Dispatched, r.Completed)
	}
	if r.MaxQueue != 10 || r.MaxInConsumer != 10 || r.FinalQueue != 0 || r.FinalInConsumer != 10 {
		t.Fatalf("queues: max %d, in consumer %d, final %d and %d", r.MaxQueue, r.MaxInConsumer, r.FinalQueue, r.FinalInConsumer)
	}
	want := Latency{Count: 990, Mean: 7.25e-3, Max: 9.5e-3}
	if got := r.Total; got.Count != want.Count || !near(got.Mean, want.Mean, 1e-12) || got.Max != want.Max {
		t.Fatalf("total latency %+v, want count %d mean %g max %g", got, want.Count, want.Mean, want.Max)
	}
	if got := r.InConsumer; !near(got.Mean, 2.75e-3, 1e-12) || got.Max != 5e-3 || got.P95 != 5e-3 {
		t.Fatalf("in-consumer latency %+v, want mean 2.75 ms, p95 and max 5 ms", got)
	}
	if !r.Bounded {
		t.Fatal("a periodic run must be bounded")
	}
}

// TestAllUniformLatencyIsGoal is the article's first table: at 200k/s with
// every component exact, every request takes the 0.5 ms goal.
func TestAllUniformLatencyIsGoal(t *testing.T) {
	r := mustRun(t, uniformConfig(2*time.Second, 200_000))
	got := r.Total
	for name, v := range map[string]float64{"mean": got.Mean, "p95": got.P95, "p99": got.P99, "max": got.Max} {
		if !near(v, 0.0005, 1e-9) {
			t.Errorf("%s latency %g s, want 0.0005", name, v)
		}
	}
	if r.MaxQueue != 100 || r.MaxInConsumer != 100 || !r.Bounded {
		t.Errorf("max queue %d, max in consumer %d, bounded %v; want 100, 100, true", r.MaxQueue, r.MaxInConsumer, r.Bounded)
	}
	if r.Produced != 400_000 || r.Completed != 400_000-100 {
		t.Errorf("produced %d, completed %d", r.Produced, r.Completed)
	}
}

// TestJitterLocation is the article's finding: Poisson jitter in the
// producer or the consumer leaves the queue bounded up to 90% of the
// consumer's rate; the same jitter in the dispatcher at 80% with factor 1.5
// makes it grow without bound, and factor 3 bounds it again. The rates are a
// tenth of the article's to keep the test fast; the dispatcher still sees
// 40,000 wake-ups.
func TestJitterLocation(t *testing.T) {
	const C = 20_000
	base := uniformConfig(20*time.Second, C)
	for _, frac := range []float64{0.5, 0.7, 0.8, 0.9} {
		for _, who := range []string{"producer", "consumer"} {
			c := base
			c.ProducerRate = frac * C
			if who == "producer" {
				c.ProducerDelays = Poisson
			} else {
				c.ConsumerDelays = Poisson
			}
			if r := mustRun(t, c); !r.Bounded {
				t.Errorf("%s jitter at %g of capacity: queue judged unbounded (means %v, growth %.1f/s)", who, frac, r.QueueMeans, r.Growth)
			}
		}
	}
	c := base
	c.ProducerRate = 0.8 * C
	c.DispatcherDelays = Poisson
	r := mustRun(t, c)
	if r.Bounded {
		t.Errorf("dispatcher jitter at 0.8 of capacity, factor 1.5: queue judged bounded (means %v)", r.QueueMeans)
	}
	if r.FinalQueue < 10*r.Limit {
		t.Errorf("dispatcher jitter, factor 1.5: final queue %d, expected it to have grown far past the limit %d", r.FinalQueue, r.Limit)
	}
	c.Factor = 3
	if r := mustRun(t, c); !r.Bounded {
		t.Errorf("dispatcher jitter at 0.8 of capacity, factor 3: queue judged unbounded (means %v, growth %.1f/s)", r.QueueMeans, r.Growth)
	}
}

func TestSeedReproduces(t *testing.T) {
	c := uniformConfig(time.Second, 50_000)
	c.ProducerDelays, c.DispatcherDelays, c.ConsumerDelays = Poisson, ExpDelay, CapDelay
	c.Seed = 42
	a, b := mustRun(t, c), mustRun(t, c)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different results:\n%+v\n%+v", a, b)
	}
	c.Seed = 43
	if d := mustRun(t, c); reflect.DeepEqual(a.Total, d.Total) {
		t.Fatal("a different seed gave the same latencies")
	}
}

// TestNonLinearConsumer: with a backlog the dispatcher fills the consumer to
// its limit, so a larger factor means a deeper consumer. In a linear
// consumer that costs time in proportion; in a queue-depth consumer every
// service slows down as well, so in-consumer latency grows with the factor
// and faster than in the linear consumer.
func TestNonLinearConsumer(t *testing.T) {
	base := uniformConfig(5*time.Second, 20_000)
	base.ProducerRate = 0.9 * 20_000
	base.DispatcherDelays = Poisson
	var prevRatio, prevMean float64
	for i, f := range []float64{1.5, 3, 6} {
		lin := base
		lin.Factor = f
		nl := lin
		nl.ConsumerModel = ConsumerModel{Knee: 20}
		rl, rn := mustRun(t, lin), mustRun(t, nl)
		ratio := rn.InConsumer.Mean / rl.InConsumer.Mean
		if i > 0 {
			if rn.InConsumer.Mean <= prevMean {
				t.Errorf("factor %g: non-linear in-consumer mean %g s did not grow from %g s", f, rn.InConsumer.Mean, prevMean)
			}
			if ratio <= prevRatio {
				t.Errorf("factor %g: non-linear/linear in-consumer ratio %g did not grow from %g", f, ratio, prevRatio)
			}
		}
		if ratio <= 1 {
			t.Errorf("factor %g: non-linear consumer (%g s) not slower than linear (%g s)", f, rn.InConsumer.Mean, rl.InConsumer.Mean)
		}
		prevRatio, prevMean = ratio, rn.InConsumer.Mean
	}
}
