package loadgen

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// lateAfter is how far behind its intended time a send counts as late.
const lateAfter = time.Millisecond

// ticket is one scheduled request.
type ticket struct {
	n        int64
	intended time.Time
	measure  bool
}

// run is the state of one Run, shared by the scheduler and the senders.
type run struct {
	cfg    *Config
	bodies [][]byte
	dial   func() (conn, error)

	mu          sync.Mutex
	corrected   *hdrhistogram.Histogram
	uncorrected *hdrhistogram.Histogram
	status      map[string]int64
	ok, done    int64
	late        int64
	maxLag      time.Duration
	sent        int64
}

// Run sends the load cfg describes and measures it. It returns when every
// request was answered or timed out; cancelling ctx ends the schedule early.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	total := int64(math.Ceil(cfg.Rate*(cfg.Warmup+cfg.Duration).Seconds())) + 1
	bs, err := bodies(&cfg, total)
	if err != nil {
		return nil, err
	}
	dial, err := dialer(&cfg)
	if err != nil {
		return nil, err
	}
	// Every connection is opened before the schedule starts, so that no
	// measured request pays for a dial; the first failure says the target
	// is not there.
	conns := make([]conn, cfg.Connections)
	for k := range conns {
		if conns[k], err = dial(); err != nil {
			for _, c := range conns[:k] {
				c.close()
			}
			return nil, err
		}
	}
	r := &run{cfg: &cfg, bodies: bs, dial: dial, status: map[string]int64{},
		corrected: hdrhistogram.New(1, int64(time.Hour), 3), uncorrected: hdrhistogram.New(1, int64(time.Hour), 3)}
	tickets := make(chan ticket, 1<<16)
	var senders sync.WaitGroup
	for _, c := range conns {
		senders.Add(1)
		go func() {
			defer senders.Done()
			r.sender(c, tickets)
		}()
	}
	start := time.Now().Add(5 * time.Millisecond)
	from := start.Add(cfg.Warmup)
	end := from.Add(cfg.Duration)
	next := gaps(&cfg)
	var scheduled int64
	off := time.Duration(0)
	for i := int64(0); ; i++ {
		t := start.Add(off)
		if !t.Before(end) || ctx.Err() != nil {
			break
		}
		if d := time.Until(t); d > 50*time.Microsecond {
			sleepCtx(ctx, d)
		}
		tk := ticket{n: i, intended: t, measure: !t.Before(from)}
		if tk.measure {
			scheduled++
		}
		tickets <- tk
		off += next()
	}
	close(tickets)
	senders.Wait()
	res := r.result(scheduled, cfg.Duration)
	return res, nil
}

// gaps returns the schedule's successive gaps.
func gaps(cfg *Config) func() time.Duration {
	mean := float64(time.Second) / cfg.Rate
	if cfg.Schedule == Poisson {
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 11))
		return func() time.Duration { return time.Duration(rng.ExpFloat64() * mean) }
	}
	// Even gaps, kept exact over the run by carrying the fraction.
	var acc float64
	return func() time.Duration {
		acc += mean
		d := time.Duration(acc)
		acc -= float64(d)
		return d
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// sender sends tickets on one connection, one at a time.
func (r *run) sender(c conn, tickets <-chan ticket) {
	defer func() {
		if c != nil {
			c.close()
		}
	}()
	for tk := range tickets {
		actual := time.Now()
		lag := actual.Sub(tk.intended)
		if lag > r.cfg.Timeout {
			// Due so long ago that it would only measure the generator:
			// counted as a timeout, with the time it waited.
			r.record(tk, actual, actual, "timeout", lag)
			continue
		}
		status, err := "", error(nil)
		if c == nil {
			if c, err = r.dial(); err != nil {
				c = nil
				status = errClass(err)
			}
		}
		if c != nil {
			body := r.bodies[tk.n%int64(len(r.bodies))]
			status, err = c.do(body, actual.Add(r.cfg.Timeout))
			if err != nil {
				c.close()
				c = nil
				if status == "" {
					status = errClass(err)
				}
			}
		}
		r.record(tk, actual, time.Now(), status, lag)
	}
}

// errClass names a transport error for the status counts.
func errClass(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	return "error"
}

func (r *run) record(tk ticket, actual, done time.Time, status string, lag time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent++
	if !tk.measure {
		return
	}
	r.done++
	r.status[status]++
	if strings.HasPrefix(status, "2") || status == "ok" {
		r.ok++
	}
	_ = r.corrected.RecordValue(int64(done.Sub(tk.intended)))
	_ = r.uncorrected.RecordValue(int64(done.Sub(actual)))
	if lag > lateAfter {
		r.late++
	}
	r.maxLag = max(r.maxLag, lag)
}
