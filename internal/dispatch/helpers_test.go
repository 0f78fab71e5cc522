package dispatch

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// collector records what a dispatcher sends.
type collector struct {
	mu   sync.Mutex
	sent []int
}

func (c *collector) send(v int) {
	c.mu.Lock()
	c.sent = append(c.sent, v)
	c.mu.Unlock()
}

func (c *collector) take() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sent
	c.sent = nil
	return s
}

func mustNew(t *testing.T, cfg Config, send func(int)) *Dispatcher[int] {
	t.Helper()
	d, err := New(cfg, send)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func pacedConfig(clock Clock, compensate bool) Config {
	c := DefaultConfig()
	c.Mode = Paced
	c.Period = 5 * time.Millisecond
	c.Factor = 1.5
	c.Rate = 20_000
	c.MaxInFlight = 10_000
	c.Compensate = compensate
	c.Clock = clock
	return c
}

func enqueueN(t *testing.T, d *Dispatcher[int], n int) {
	t.Helper()
	for i := range n {
		if !d.Enqueue(i) {
			t.Fatalf("enqueue %d refused", i)
		}
	}
}

// fifoConsumer completes requests one at a time at rate per second on a
// virtual clock, as the simulator's uniform consumer does, and reports
// completions to the dispatcher when advanced.
type fifoConsumer struct {
	d        *Dispatcher[int]
	rate     float64
	held     int
	busyTill time.Time
}

func (f *fifoConsumer) send(int) {}

// advance accounts for the requests released at time at, then completes
// those done by now.
func (f *fifoConsumer) advance(released int, at, now time.Time) {
	if f.held == 0 && released > 0 {
		f.busyTill = at
	}
	f.held += released
	per := time.Duration(float64(time.Second) / f.rate)
	done := 0
	if f.held > 0 {
		done = min(f.held, int(now.Sub(f.busyTill)/per))
		f.busyTill = f.busyTill.Add(time.Duration(done) * per)
		f.held -= done
	}
	f.d.Done(done, Outcome{RTT: per})
}
