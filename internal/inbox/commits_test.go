package inbox

import (
	"errors"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// waitAsync runs Wait on a goroutine and returns its result channel.
func waitAsync(c *Commits, end uint64, d time.Duration) chan error {
	ch := make(chan error, 1)
	go func() { ch <- c.Wait(end, time.Now().Add(d)) }()
	return ch
}

func pending(t *testing.T, ch chan error, what string) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("%s: the wait ended (%v) before a commit covered it", what, err)
	case <-time.After(30 * time.Millisecond):
	}
}

func result(t *testing.T, ch chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end")
		return nil
	}
}

// A wait ends when a committed checkpoint's mark reaches its end: not at
// the mark, not at the commit of an older checkpoint that did not reach it.
func TestWaitEndsAtTheCommitOfAMarkPastIt(t *testing.T) {
	c := NewCommits(10)
	a := waitAsync(c, 5, time.Minute)
	b := waitAsync(c, 9, time.Minute)
	c.Mark(1, 6)
	pending(t, a, "marked, not committed")
	c.Mark(2, 9)
	c.Commit(1)
	if err := result(t, a); err != nil {
		t.Fatalf("wait for 5 after the commit of a mark at 6: %v", err)
	}
	pending(t, b, "wait for 9 after the commit of a mark at 6")
	c.Commit(2)
	if err := result(t, b); err != nil {
		t.Fatalf("wait for 9 after the commit of a mark at 9: %v", err)
	}
	if err := c.Wait(3, time.Time{}); err != nil {
		t.Fatalf("a wait for events committed already: %v", err)
	}
	st := c.Stats()
	if st.Durable != 3 || st.P50 < 20*time.Millisecond || st.P99 < st.P50 {
		t.Fatalf("stats %+v: want 3 durable waits, p50 at least the 30ms the first waited", st)
	}
}

// A commit that skipped failed checkpoints covers their marks too.
func TestCommitCoversOlderMarks(t *testing.T) {
	c := NewCommits(10)
	c.Mark(1, 4)
	c.Mark(2, 8)
	c.Mark(3, 8)
	c.Commit(3)
	if err := c.Wait(8, time.Time{}); err != nil {
		t.Fatalf("wait for 8 after the commit of checkpoint 3: %v", err)
	}
}

func TestWaitTimesOut(t *testing.T) {
	c := NewCommits(10)
	c.Mark(1, 2)
	start := time.Now()
	if err := c.Wait(3, start.Add(40*time.Millisecond)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("wait with no commit: %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el < 40*time.Millisecond {
		t.Fatalf("the wait gave up after %v, before its deadline", el)
	}
	if st := c.Stats(); st.Timeouts != 1 || st.Durable != 0 {
		t.Fatalf("stats %+v: want 1 timeout", st)
	}
}

// Reserve refuses past the bound, waits for a Release until its deadline,
// and lets one large reservation through when nothing waits.
func TestReserveBound(t *testing.T) {
	c := NewCommits(2)
	if err := c.Reserve(2, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Reserve(1, time.Time{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("Reserve past the bound: %v, want ErrBusy", err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Reserve(1, time.Now().Add(time.Minute)) }()
	time.Sleep(20 * time.Millisecond)
	c.Release(1)
	if err := result(t, done); err != nil {
		t.Fatalf("a Reserve waiting for room: %v", err)
	}
	if st := c.Stats(); st.Waiting != 2 || st.Busy != 1 {
		t.Fatalf("stats %+v: want 2 waiting, 1 busy", st)
	}
	c.Release(2)
	if err := c.Reserve(5, time.Time{}); err != nil {
		t.Fatalf("a Reserve larger than the bound with nothing waiting: %v", err)
	}
}

// Abandon ends at once the waits no checkpoint taken holds, and lets those
// a checkpoint taken holds wait for its commit; Close ends the rest.
func TestAbandonAndClose(t *testing.T) {
	c := NewCommits(10)
	c.Mark(1, 5)
	held := waitAsync(c, 5, time.Minute)
	lost := waitAsync(c, 7, time.Minute)
	held2 := waitAsync(c, 4, time.Minute)
	stop := errors.New("stopping")
	c.Abandon(stop)
	if err := result(t, lost); !errors.Is(err, ErrNotDurable) || !errors.Is(err, stop) {
		t.Fatalf("a wait past the newest mark after Abandon: %v, want ErrNotDurable wrapping the cause", err)
	}
	pending(t, held, "a wait a checkpoint taken holds, after Abandon")
	if err := c.Reserve(1, time.Time{}); !errors.Is(err, stop) {
		t.Fatalf("Reserve after Abandon: %v, want the cause", err)
	}
	c.Commit(1)
	if err := result(t, held); err != nil {
		t.Fatalf("a held wait after its commit: %v", err)
	}
	if err := result(t, held2); err != nil {
		t.Fatalf("a held wait after its commit: %v", err)
	}
	c.Mark(2, 9)
	pendingHeld := waitAsync(c, 8, time.Minute)
	pending(t, pendingHeld, "a wait a later mark holds")
	c.Close()
	if err := result(t, pendingHeld); !errors.Is(err, ErrTimeout) {
		t.Fatalf("a held wait at Close: %v, want ErrTimeout (its checkpoint may still commit)", err)
	}
	st := c.Stats()
	if st.NotDurable != 1 || st.Timeouts != 1 || st.Durable != 2 {
		t.Fatalf("stats %+v: want 1 abandoned, 1 timeout, 2 durable", st)
	}
}

func TestCommitFigures(t *testing.T) {
	c := NewCommits(4)
	_ = c.Reserve(1, time.Time{})
	c.Mark(1, 1)
	c.Commit(1)
	_ = c.Wait(1, time.Time{})
	got := map[string]float64{}
	for _, f := range c.Stats().AppendFigures(nil, "x_source_", "requests", "requests") {
		if err := component.CheckFigure(f); err != nil {
			t.Error(err)
		}
		got[f.Name] += f.Value
	}
	if got["x_source_durable_waiting_requests"] != 1 || got["x_source_durable_waiting_limit_requests"] != 4 || got["x_source_durable_committed_total"] != 1 {
		t.Fatalf("figures %v", got)
	}
}
