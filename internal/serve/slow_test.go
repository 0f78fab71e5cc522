package serve_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

// follower follows a table in the background with a replica.
type follower struct {
	r      *client.Replica
	seq    atomic.Uint64
	synced atomic.Bool
	cancel context.CancelFunc
	done   chan error
	// broken counts the recoveries from a broken promise: a sequence
	// discontinuity, a checksum mismatch or a message out of place.
	broken    atomic.Int64
	lastBreak atomic.Pointer[error]
}

// checkUnbroken fails the test if the follower saw the stream break a
// promise (it recovers by itself, which would hide it).
func (f *follower) checkUnbroken(t *testing.T, what string) {
	t.Helper()
	if n := f.broken.Load(); n > 0 {
		t.Fatalf("%s: %d broken promises, the last: %v", what, n, *f.lastBreak.Load())
	}
}

func follow(t *testing.T, url string, onApplied func()) *follower {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &follower{r: client.NewReplica(), cancel: cancel, done: make(chan error, 1)}
	go func() {
		f.done <- client.Follow(ctx, url, f.r, client.Options{OnApplied: func(r *client.Replica, _ *client.Message) {
			f.seq.Store(r.Seq)
			f.synced.Store(r.Synced)
			if onApplied != nil {
				onApplied()
			}
		}, OnRecover: func(err error, _ bool) {
			if errors.Is(err, client.ErrDiscontinuity) || errors.Is(err, client.ErrChecksum) || errors.Is(err, client.ErrProtocol) {
				f.broken.Add(1)
				f.lastBreak.Store(&err)
			}
		}})
	}()
	t.Cleanup(f.stop)
	return f
}

func (f *follower) stop() {
	if f.cancel != nil {
		f.cancel()
		<-f.done
		f.cancel = nil
	}
}

// caughtUp waits until the follower has every delta of tb.
func (f *follower) caughtUp(t *testing.T, tb *serve.Table) {
	t.Helper()
	waitFor(t, "the follower to catch up", func() bool { return f.synced.Load() && f.seq.Load() == tb.Seq() })
}

// bigRows upserts n rows of about size bytes, keys cycling over keys.
// openStalled opens a WebSocket subscriber that reads nothing, beside one
// other, and waits until the table counts both; it is closed at the
// test's end.
func openStalled(t *testing.T, tb *serve.Table) client.Stream {
	t.Helper()
	stalled, err := client.Open(context.Background(), wsURL(tb), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stalled.Close() })
	waitFor(t, "the stalled subscriber", func() bool { return tb.Stats().Subscribers == 2 })
	return stalled
}

func bigRows(t *testing.T, tb *serve.Table, from, n, keys, size int) {
	t.Helper()
	pad := strings.Repeat("x", size)
	ch := make([]serve.Change, 0, n)
	for i := from; i < from+n; i++ {
		ch = append(ch, serve.Change{Key: []byte(fmt.Sprintf("[%d]", i%keys)), Row: []byte(`{"i":` + itoa(i) + `,"pad":"` + pad + `"}`)})
	}
	if err := tb.Apply(ch, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// A subscriber that stops reading falls behind its bound (with frames:
// the deltas it has not had leave the window; with deltas: its queue
// overflows). Under resync with deltas it gets a gap message and a fresh
// snapshot once it reads again, and converges; with frames it is caught
// up from the table's rows in one frame, with no gap, unless a delete it
// has not had left the window too (then it resyncs). Under disconnect it
// is closed. A subscriber that keeps reading sees no gap either way.
func TestStalledSubscriber(t *testing.T) {
	for _, c := range []struct {
		policy  serve.Policy
		writers int
		frames  bool
		del     bool // delete a key while it is stalled
	}{{serve.Resync, 1, true, false}, {serve.Resync, 0, true, false}, {serve.Resync, 1, true, true}, {serve.Resync, 0, true, true},
		{serve.Disconnect, 2, true, false}, {serve.Resync, 1, false, false}, {serve.Resync, 0, false, false}, {serve.Disconnect, 2, false, false}} {
		t.Run(fmt.Sprintf("%v/writers=%d/frames=%v/delete=%v", c.policy, c.writers, c.frames, c.del), func(t *testing.T) {
			cfg := testConfig("slow")
			cfg.Policy, cfg.Writers, cfg.Frames = c.policy, c.writers, c.frames
			cfg.QueueMessages = 64
			cfg.Retain = 100_000
			if c.frames {
				cfg.Retain = 64
			}
			cfg.RetainBytes = 1 << 30
			tb := newTable(t, cfg)
			bigRows(t, tb, 0, 10, 50, 100)
			bigRows(t, tb, 99, 1, 100, 100) // key 99: deleted (c.del) and never set again
			fast := follow(t, wsURL(tb), nil)
			fast.caughtUp(t, tb)
			stalled := openStalled(t, tb)
			// With frames under resync it waits to read again, holding what
			// it was given; it is then caught up from the rows (no delete
			// since left the window) or resynced.
			waits := c.frames && c.policy == serve.Resync
			catchUp := waits && !c.del
			// 64 KiB rows until the stalled one's socket and queue are full:
			// its policy acts, or (waits) nothing was written to it over 8
			// rounds (8 MiB, while the fast one took every change).
			for i, still, sent := 10, 0, uint64(0); ; i += 16 {
				bigRows(t, tb, i, 16, 50, 64<<10)
				fast.caughtUp(t, tb)
				st := tb.Stats()
				if st.Resyncs > 0 || st.Disconnects > 0 {
					break
				}
				if sub := st.Subs[len(st.Subs)-1]; waits {
					if st.Seq-sub.Lag == sent {
						still++
					} else {
						still, sent = 0, st.Seq-sub.Lag
					}
					if still == 8 {
						break
					}
				}
				if i > 200_000 {
					t.Fatal("the stalled subscriber never overflowed")
				}
			}
			if waits {
				// Everything it was given is older than this; push it out of
				// the window with small rows (a delete among them when c.del).
				h := tb.Seq()
				if c.del {
					del(t, tb, 99)
				}
				for i := 0; tb.Seq() <= h+3*uint64(cfg.Retain); i += 16 {
					bigRows(t, tb, 2_000_000+i, 16, 50, 100)
					fast.caughtUp(t, tb) // the fast one stays within the window
				}
			}
			st := tb.Stats()
			if !catchUp && !c.del && st.Drops == 0 {
				t.Fatalf("an overflow dropped nothing: %+v", st)
			}
			if c.policy == serve.Disconnect {
				waitFor(t, "the stalled one to be closed", func() bool { return tb.Stats().Subscribers == 1 })
			}
			bigRows(t, tb, 1_000_000, 10, 50, 100)
			fast.caughtUp(t, tb)
			fast.stop()
			fast.checkUnbroken(t, "the fast subscriber")
			if c.frames && fast.r.Frames == 0 {
				t.Fatal("the fast subscriber got no frame")
			}
			if fast.r.Gaps != 0 || fast.r.Snapshots != 1 {
				t.Fatalf("the fast subscriber saw %d gaps and %d snapshots, want 0 and 1", fast.r.Gaps, fast.r.Snapshots)
			}
			if got := serve.FormatChecksum(fast.r.Sum); got != tb.Stats().Checksum {
				t.Fatalf("fast replica checksum %s, table %s", got, tb.Stats().Checksum)
			}
			// The stalled one reads again.
			r := client.NewReplica()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for !(r.Synced && r.Seq == tb.Seq()) {
				raw, err := stalled.Next(ctx)
				if err != nil {
					if c.policy == serve.Disconnect {
						return // closed, as its policy says
					}
					t.Fatalf("the stalled subscriber, reading again: %v", err)
				}
				m, err := client.Decode(raw)
				if err != nil {
					t.Fatal(err)
				}
				apply(t, r, m)
			}
			if c.policy == serve.Disconnect {
				t.Fatal("a subscriber over its bound was not disconnected")
			}
			st = tb.Stats()
			switch {
			case catchUp:
				if r.Gaps != 0 || r.Snapshots != 1 || st.CatchUps == 0 || st.Resyncs != 0 || st.Drops != 0 {
					t.Fatalf("the stalled subscriber saw %d gaps and %d snapshots, the table counts %d catch-ups, %d resyncs, %d drops; want it caught up from the rows with no gap",
						r.Gaps, r.Snapshots, st.CatchUps, st.Resyncs, st.Drops)
				}
			case r.Gaps == 0 || r.Snapshots != 2:
				t.Fatalf("the stalled subscriber saw %d gaps and %d snapshots; want a gap and a second snapshot", r.Gaps, r.Snapshots)
			}
			if got := serve.FormatChecksum(r.Sum); got != st.Checksum || len(r.Rows) != int(st.Rows) {
				t.Fatalf("the stalled one's replica: %d rows, checksum %s; table %d rows, %s", len(r.Rows), got, st.Rows, st.Checksum)
			}
		})
	}
}

// Randomized: a client that reads at random speeds, with a small window
// and queue, is resynced now and then; whatever happened — frames of any
// size and pace, or single deltas — once it has caught up its rows and
// checksum equal the table's.
func TestRandomDropsConverge(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			cfg := testConfig("rand")
			cfg.QueueMessages = 16 + rng.IntN(32)
			cfg.Retain = 64
			cfg.ChecksumEvery = uint64(3 + rng.IntN(10))
			cfg.MaxRows, cfg.Evict = 120, true
			cfg.Writers = rng.IntN(3)
			cfg.Frames = seed%3 != 0
			cfg.FrameInterval = time.Duration(rng.IntN(3)) * time.Millisecond
			cfg.FrameMax = 1 + rng.IntN(40)
			// Seeds 7-10: deletes rare and no eviction, so that a reader
			// behind the window is mostly caught up from the rows (with
			// frames) rather than resynced.
			delOneIn := 5
			rare := seed > 6
			if rare {
				cfg.MaxRows, delOneIn = 1000, 400
				cfg.FrameMax = 200 + rng.IntN(200)
			}
			tb := newTable(t, cfg)
			var mu sync.Mutex
			crng := rand.New(rand.NewPCG(seed, 7))
			slow := func() {
				mu.Lock()
				d := crng.IntN(100)
				mu.Unlock()
				if d < 3 {
					time.Sleep(time.Duration(d+1) * 5 * time.Millisecond)
				}
			}
			followers := []*follower{follow(t, wsURL(tb), slow), follow(t, sseURL(tb), slow), follow(t, tcpURL(tb), slow)}
			for range 300 {
				var ch []serve.Change
				for range 1 + rng.IntN(20) {
					k := []byte(fmt.Sprintf(`["k%d"]`, rng.IntN(200)))
					if rng.IntN(delOneIn) == 0 {
						ch = append(ch, serve.Change{Key: k})
					} else {
						ch = append(ch, serve.Change{Key: k, Row: []byte(fmt.Sprintf(`{"v":%d}`, rng.IntN(10)))})
					}
				}
				if err := tb.Apply(ch, 0, time.Now()); err != nil {
					t.Fatal(err)
				}
				if rng.IntN(10) == 0 {
					time.Sleep(time.Millisecond)
				}
			}
			want := replicaOf(t, tb)
			for i, f := range followers {
				f.caughtUp(t, tb)
				f.stop()
				f.checkUnbroken(t, fmt.Sprintf("follower %d", i))
				if len(f.r.Rows) != len(want.Rows) || f.r.Sum != want.Sum {
					t.Fatalf("follower %d: %d rows, checksum %x; table %d rows, %x", i, len(f.r.Rows), f.r.Sum, len(want.Rows), want.Sum)
				}
				for k, v := range want.Rows {
					if string(f.r.Rows[k]) != string(v) {
						t.Fatalf("follower %d: row %s is %s, table has %s", i, k, f.r.Rows[k], v)
					}
				}
			}
			st := tb.Stats()
			t.Logf("seed %d (frames %v): %d deltas, %d resyncs, %d catch-ups, %d drops, %d frames, %d conflated", seed, cfg.Frames, st.Deltas, st.Resyncs, st.CatchUps, st.Drops, st.FramesSent, st.Conflated)
			if cfg.Frames && (st.FramesSent == 0 || st.DeltasSent == 0) {
				t.Fatalf("frames on, but %d frames and %d deltas written", st.FramesSent, st.DeltasSent)
			}
			if rare && cfg.Frames && st.CatchUps == 0 {
				t.Fatalf("frames with rare deletes, %d resyncs and no catch-up from the rows", st.Resyncs)
			}
		})
	}
}

// A subscriber that overflowed and awaits its resync when the table stops
// still gets the gap, the table's last state as a snapshot and the final
// progress message, and ends with the table.
func TestStopResyncsAnOverflowedSubscriber(t *testing.T) {
	cfg := testConfig("stop-slow")
	cfg.Frames = false // one message per delta: its queue overflows
	cfg.QueueMessages = 64
	cfg.Retain = 256
	cfg.RetainBytes = 1 << 30
	tb := newTable(t, cfg)
	bigRows(t, tb, 0, 10, 50, 100)
	stalled, err := client.Open(context.Background(), wsURL(tb), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	waitFor(t, "the subscriber", func() bool { return tb.Stats().Subscribers == 1 })
	for i := 10; tb.Stats().Resyncs == 0; i += 16 {
		bigRows(t, tb, i, 16, 50, 64<<10)
		if i > 200_000 {
			t.Fatal("the stalled subscriber never overflowed")
		}
	}
	stopped := make(chan bool, 1)
	go func() { stopped <- tb.Stop(20 * time.Second) }()
	r := client.NewReplica()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var last *client.Message
	for {
		raw, err := stalled.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("the stream did not end: %v", err)
			}
			break
		}
		if last, err = client.Decode(raw); err != nil {
			t.Fatal(err)
		}
		apply(t, r, last)
	}
	if !<-stopped {
		t.Fatal("stop did not end the subscriber cleanly in time")
	}
	if r.Gaps == 0 || r.Snapshots != 2 {
		t.Fatalf("saw %d gaps and %d snapshots; want a gap and a second snapshot", r.Gaps, r.Snapshots)
	}
	if last == nil || last.Type != "progress" || last.Seq != tb.Seq() {
		t.Fatalf("last message %+v, want the final progress at %d", last, tb.Seq())
	}
	if !r.Synced || r.Seq != tb.Seq() || serve.FormatChecksum(r.Sum) != tb.Stats().Checksum {
		t.Fatalf("replica at %d (synced %v, %s), table at %d (%s)", r.Seq, r.Synced, serve.FormatChecksum(r.Sum), tb.Seq(), tb.Stats().Checksum)
	}
}

// A client that stops reading, within its queue and window bounds, is
// closed by write_timeout once a write to it blocks that long (not by
// its policy: no resync, no drop), and the other subscriber goes on.
func TestStalledSubscriberWriteTimeout(t *testing.T) {
	for _, c := range []struct {
		writers int
		frames  bool
	}{{1, true}, {0, true}, {1, false}, {0, false}} {
		t.Run(fmt.Sprintf("writers=%d/frames=%v", c.writers, c.frames), func(t *testing.T) {
			cfg := testConfig("timeout")
			cfg.Writers, cfg.Frames = c.writers, c.frames
			cfg.WriteTimeout = 300 * time.Millisecond
			cfg.QueueMessages, cfg.QueueBytes = 1<<20, 1<<30
			cfg.Retain, cfg.RetainBytes = 1<<20, 1<<30
			tb := newTable(t, cfg)
			bigRows(t, tb, 0, 10, 50, 100)
			fast := follow(t, wsURL(tb), nil)
			fast.caughtUp(t, tb)
			stalled := openStalled(t, tb)
			deadline := time.Now().Add(30 * time.Second)
			for i := 10; tb.Stats().Subscribers == 2; i += 16 {
				if time.Now().After(deadline) {
					t.Fatalf("the stalled subscriber was not closed in 30s: %+v", tb.Stats())
				}
				bigRows(t, tb, i, 16, 50, 64<<10)
				fast.caughtUp(t, tb)
			}
			st := tb.Stats()
			if st.Resyncs != 0 || st.Drops != 0 || st.Disconnects != 0 {
				t.Fatalf("the policy acted (%d resyncs, %d drops, %d disconnects): the bounds were meant to hold", st.Resyncs, st.Drops, st.Disconnects)
			}
			if st.WriteTimeouts != 1 {
				t.Fatalf("%d write timeouts counted, want the stalled one's", st.WriteTimeouts)
			}
			bigRows(t, tb, 1_000_000, 10, 50, 100)
			fast.caughtUp(t, tb)
			fast.stop()
			fast.checkUnbroken(t, "the fast subscriber")
			// The stalled one finds its stream cut, not ended cleanly.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for {
				if _, err := stalled.Next(ctx); err != nil {
					if errors.Is(err, io.EOF) || ctx.Err() != nil {
						t.Fatalf("the stalled subscriber's stream ended with %v, want it cut", err)
					}
					break
				}
			}
		})
	}
}
