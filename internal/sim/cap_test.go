package sim

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestRunStopsAtTheCap: a run whose queue grows stops when the requests it
// holds reach the cap, says so, and counts as not bounded; counts and rates
// cover the time it ran.
func TestRunStopsAtTheCap(t *testing.T) {
	c := uniformConfig(2*time.Second, 10_000)
	c.ProducerRate = 20_000
	c.QueueCap = 5_000
	r := mustRun(t, c)
	if !r.Capped || r.Bounded {
		t.Fatalf("capped %v, bounded %v: want a capped, unbounded run", r.Capped, r.Bounded)
	}
	if held := r.FinalQueue + r.FinalInConsumer; held != c.QueueCap || r.Produced-r.Completed != int64(c.QueueCap) {
		t.Fatalf("held %d at the end (produced %d, completed %d), want the cap %d", held, r.Produced, r.Completed, c.QueueCap)
	}
	// The queue grows by 10000 requests/s: the cap comes after about half a second.
	if r.Ran < 450*time.Millisecond || r.Ran > 550*time.Millisecond {
		t.Fatalf("ran %v, want about 500ms", r.Ran)
	}
	rep := r.Report()
	if !rep.Capped || rep.QueueCap != 5000 || rep.RanS != r.Ran.Seconds() || rep.ProducedPerS < 19_900 || rep.ProducedPerS > 20_100 {
		t.Fatalf("report %+v: want capped at 5000, rates over the time run", rep)
	}
	var b strings.Builder
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "capped       the run stopped at 0.4993 s of 2 s: it held 5000 requests, its cap\n") || !strings.Contains(b.String(), "capped at 5000 requests held") {
		t.Fatalf("text report does not say it was capped:\n%s", b.String())
	}
}

// TestRunBelowTheCap: a bounded run under a small cap is not capped and
// gives the same result as under the default cap.
func TestRunBelowTheCap(t *testing.T) {
	c := uniformConfig(time.Second, 200_000)
	a := mustRun(t, c)
	c.QueueCap = 1000
	b := mustRun(t, c)
	a.Config, b.Config = Config{}, Config{}
	if b.Capped || a != b {
		t.Fatalf("a bounded run changed under a cap above what it holds:\n%+v\n%+v", a, b)
	}
}

func TestCheckQueue(t *testing.T) {
	huge := Config{Duration: 100 * time.Second, ProducerRate: 1e8, ConsumerRate: 1e4, Goal: DefaultGoal, Factor: DefaultFactor}
	err := huge.CheckQueue()
	var qe *QueueError
	if !errors.As(err, &qe) || qe.Cap != DefaultQueueCap || qe.Floor < 9.9e9 || qe.Floor > 1e10 {
		t.Fatalf("error %v: want a QueueError at the default cap with about 1e10 requests", err)
	}
	want := "the queue must grow past the cap of 67108864 requests: the producer adds 1e+08/s, the dispatcher and consumer take at most 10000/s, so about 1e+10 requests would wait after 100 s"
	if err.Error() != want {
		t.Fatalf("error %q\nwant  %q", err, want)
	}
	for _, c := range []struct {
		name   string
		c      Config
		refuse bool
	}{
		{"a consumer that keeps up", Config{Duration: time.Hour, ProducerRate: 1e5, ConsumerRate: 2e5, Goal: DefaultGoal, Factor: DefaultFactor, QueueCap: 1}, false},
		{"within the margin", Config{Duration: 2 * time.Second, ProducerRate: 20_000, ConsumerRate: 10_000, Goal: DefaultGoal, Factor: DefaultFactor, QueueCap: 19_000}, false},
		{"past the margin", Config{Duration: 2 * time.Second, ProducerRate: 20_000, ConsumerRate: 10_000, Goal: DefaultGoal, Factor: DefaultFactor, QueueCap: 18_000}, true},
		// expdelay halves the producer's rate: 10000/s in, 10000/s out.
		{"a late producer", Config{Duration: time.Hour, ProducerRate: 20_000, ProducerDelays: ExpDelay, ConsumerRate: 10_000, Goal: DefaultGoal, Factor: DefaultFactor, QueueCap: 100}, false},
		// The dispatcher moves at most 15 requests per 1 ms: 15000/s.
		{"a slow dispatcher", Config{Duration: 10 * time.Second, ProducerRate: 20_000, ConsumerRate: 10_000, Goal: time.Millisecond, Factor: DefaultFactor, QueueCap: 50_000}, true},
	} {
		if err := c.c.CheckQueue(); (err != nil) != c.refuse {
			t.Errorf("%s: CheckQueue %v, want refused %v (floor %g)", c.name, err, c.refuse, c.c.QueueFloor())
		}
	}
}

// TestQueueFloorIsBelowRuns: the floor CheckQueue refuses by lies below
// the final queue of real runs, for every delay process.
func TestQueueFloorIsBelowRuns(t *testing.T) {
	for _, d := range []Delays{Uniform, Poisson, ExpDelay, CapDelay} {
		c := Config{Duration: 5 * time.Second, ProducerRate: 30_000, ConsumerRate: 20_000, Goal: DefaultGoal, Factor: DefaultFactor,
			ProducerDelays: Uniform, DispatcherDelays: d, ConsumerDelays: d, Seed: 5}
		r := mustRun(t, c)
		held := float64(r.FinalQueue + r.FinalInConsumer)
		if floor := c.QueueFloor(); floor <= 0 || floor > held {
			t.Errorf("%s: floor %g, final held %g", d, floor, held)
		}
	}
}
