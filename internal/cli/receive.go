package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// receiveCmd is a small HTTP endpoint for trying the http sink on one
// machine: it counts what it receives and, with --capacity, answers 429
// to requests beyond that many per second.
type receiveCmd struct {
	Addr     string        `default:"127.0.0.1:8088" help:"host:port to listen on."`
	Capacity float64       `help:"Requests per second it accepts (0: all); beyond, it answers 429 with Retry-After: 1."`
	For      time.Duration `name:"for" help:"Stop after this long (0: until a signal)."`
}

func (c *receiveCmd) Run(g *Globals) error {
	if c.Capacity < 0 || c.For < 0 {
		return &exitError{code: 2, err: fmt.Errorf("--capacity and --for must not be negative, got %g and %q", c.Capacity, c.For)}
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %q: %w", c.Addr, err)
	}
	var (
		requests, events, refused atomic.Int64
		mu                        sync.Mutex
		second                    time.Time
		taken                     float64
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.Capacity > 0 {
			mu.Lock()
			now := time.Now().Truncate(time.Second)
			if !now.Equal(second) {
				second, taken = now, 0
			}
			full := taken >= c.Capacity
			if !full {
				taken++
			}
			mu.Unlock()
			if full {
				refused.Add(1)
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
		}
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			events.Add(1)
		}
		requests.Add(1)
		w.WriteHeader(http.StatusAccepted)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(g.Stderr, "greenwave: receiving on http://%s/ (Ctrl-C stops)\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.For > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.For)
		defer cancel()
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastReq, lastEv, lastRef int64
	for {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			fmt.Fprintf(g.Stdout, "total: requests %d, events %d, refused %d\n", requests.Load(), events.Load(), refused.Load())
			return nil
		case <-tick.C:
			rq, ev, rf := requests.Load(), events.Load(), refused.Load()
			fmt.Fprintf(g.Stdout, "%s requests %d/s, events %d/s, refused (429) %d/s\n",
				time.Now().Format("15:04:05"), rq-lastReq, ev-lastEv, rf-lastRef)
			lastReq, lastEv, lastRef = rq, ev, rf
		}
	}
}
