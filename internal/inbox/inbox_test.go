package inbox

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

func batch(vals ...int64) []event.Event {
	evs := make([]event.Event, len(vals))
	for i, v := range vals {
		evs[i].Fields = []event.Value{event.IntValue(v)}
	}
	return evs
}

func takeAll(q *Inbox) []int64 {
	var out component.Output
	q.Take(&out, 1<<20, nil)
	var vs []int64
	for _, e := range out.Events() {
		vs = append(vs, int64(e.Fields[0].N))
	}
	return vs
}

func TestPutIsAllOrNothing(t *testing.T) {
	q := New(Config{Capacity: 8, Width: 1})
	if _, err := q.Put(batch(1, 2, 3, 4, 5), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Put(batch(6, 7, 8, 9), time.Time{}); !errors.Is(err, ErrFull) {
		t.Fatalf("Put of 4 into 3 free slots: %v, want ErrFull", err)
	}
	if _, err := q.Put(batch(6, 7, 8), time.Time{}); err != nil {
		t.Fatalf("Put of 3 into 3 free slots: %v", err)
	}
	got := takeAll(q)
	want := []int64{1, 2, 3, 4, 5, 6, 7, 8}
	if len(got) != len(want) {
		t.Fatalf("took %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("took %v, want %v", got, want)
		}
	}
	s := q.Stats()
	if s.Accepted != 8 || s.Refused != 4 || s.RefusedPuts != 1 || s.Depth != 0 {
		t.Fatalf("stats %+v, want accepted 8, refused 4 in 1 put, depth 0", s)
	}
}

func TestPutWaitsForRoomUntilTheDeadline(t *testing.T) {
	q := New(Config{Capacity: 4, Width: 1})
	if _, err := q.Put(batch(1, 2, 3, 4), time.Time{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := q.Put(batch(5), start.Add(60*time.Millisecond)); !errors.Is(err, ErrFull) {
		t.Fatalf("Put into a full inbox: %v, want ErrFull", err)
	}
	if el := time.Since(start); el < 60*time.Millisecond {
		t.Fatalf("Put gave up after %v, before its deadline of 60ms", el)
	}
	done := make(chan error)
	go func() { _, err := q.Put(batch(5, 6), time.Now().Add(10*time.Second)); done <- err }()
	time.Sleep(20 * time.Millisecond)
	var out component.Output
	if n := q.Take(&out, 2, nil); n != 2 {
		t.Fatalf("Take(2) moved %d", n)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("waiting Put: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a Put waiting for room was not woken by Take")
	}
	if got := takeAll(q); len(got) != 4 || got[2] != 5 || got[3] != 6 {
		t.Fatalf("took %v, want [3 4 5 6]", got)
	}
	if s := q.Stats(); s.Waits != 2 || s.WaitTime < 60*time.Millisecond {
		t.Fatalf("stats %+v: want 2 waits of at least 60ms in total", s)
	}
}

func TestCloseWakesWaitingPuts(t *testing.T) {
	q := New(Config{Capacity: 2, Width: 1})
	_, _ = q.Put(batch(1, 2), time.Time{})
	done := make(chan error)
	go func() { _, err := q.Put(batch(3), time.Now().Add(time.Minute)); done <- err }()
	time.Sleep(10 * time.Millisecond)
	q.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("waiting Put after Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake a waiting Put")
	}
	if _, err := q.Put(batch(4), time.Time{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Put after Close: %v, want ErrClosed", err)
	}
	if got := takeAll(q); len(got) != 2 {
		t.Fatalf("queued events lost at Close: took %v", got)
	}
}

func TestWakePerPut(t *testing.T) {
	var wakes atomic.Int64
	q := New(Config{Capacity: 16, Width: 1, Wake: func() { wakes.Add(1) }})
	for i := range 5 {
		_, _ = q.Put(batch(int64(i)), time.Time{})
	}
	_, _ = q.Put(batch(make([]int64, 20)...)[:16], time.Time{}) // does not fit: no wake
	if w := wakes.Load(); w != 5 {
		t.Fatalf("%d wakes for 5 queued Puts", w)
	}
}

// TestConcurrentProducers: many producers put batches while one consumer
// takes small batches; every batch arrives whole and contiguous, each
// producer's batches in order, nothing lost or duplicated.
func TestConcurrentProducers(t *testing.T) {
	const producers, perProducer, size = 8, 2000, 3
	q := New(Config{Capacity: 64, Width: 1})
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range perProducer {
				base := int64(p)<<32 | int64(b)*size
				if _, err := q.Put(batch(base, base+1, base+2), time.Now().Add(time.Minute)); err != nil {
					t.Errorf("producer %d: %v", p, err)
					return
				}
			}
		}()
	}
	next := make([]int64, producers)
	total := 0
	var out component.Output
	deadline := time.Now().Add(30 * time.Second)
	var carry []int64
	for total < producers*perProducer*size {
		if time.Now().After(deadline) {
			t.Fatalf("took %d of %d events", total, producers*perProducer*size)
		}
		out.Reset()
		q.Take(&out, 5, nil)
		for _, e := range out.Events() {
			carry = append(carry, int64(e.Fields[0].N))
		}
		for len(carry) >= size {
			p, v := carry[0]>>32, carry[0]&(1<<32-1)
			if v != next[p] || carry[1] != carry[0]+1 || carry[2] != carry[0]+2 {
				t.Fatalf("batch split or out of order: %v (producer %d expected %d)", carry[:size], p, next[p])
			}
			next[p] += size
			carry = carry[size:]
			total += size
		}
	}
	wg.Wait()
	if s := q.Stats(); s.Accepted != producers*perProducer*size || s.Refused != 0 {
		t.Fatalf("stats %+v", s)
	}
}
