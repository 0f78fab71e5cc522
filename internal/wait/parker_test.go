package wait

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestParkerNoLostWakeups runs many rounds in which a producer publishes an
// item and unparks while the consumer is somewhere between checking, Prepare,
// re-checking and Park. The consumer parks with no timeout, so one lost
// wake-up stalls the exchange and the guard fails the test.
func TestParkerNoLostWakeups(t *testing.T) {
	const rounds = 5_000
	p := NewParker()
	var items, acked atomic.Int64
	done := make(chan struct{})
	go func() { // consumer
		defer close(done)
		for seen := int64(0); seen < rounds; {
			if n := items.Load(); n > seen {
				seen = n
				acked.Store(seen)
				continue
			}
			p.Prepare()
			if items.Load() > seen {
				p.Cancel()
				continue
			}
			p.Park(0)
		}
	}()
	go func() { // producer
		for i := int64(1); i <= rounds; i++ {
			items.Store(i)
			p.Unpark()
			for acked.Load() < i {
				if i%2 == 0 {
					runtime.Gosched() // vary the interleaving
				}
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("lost wake-up: consumer stuck after %d of %d items", acked.Load(), rounds)
	}
}

func TestParkTimesOut(t *testing.T) {
	p := NewParker()
	p.Prepare()
	start := time.Now()
	if p.Park(20 * time.Millisecond) {
		t.Fatal("Park reported a wake-up with nobody unparking")
	}
	if el := time.Since(start); el < 20*time.Millisecond || el > 2*time.Second {
		t.Fatalf("Park(20ms) returned after %v", el)
	}
}

func TestUnparkWakesAParkedGoroutine(t *testing.T) {
	p := NewParker()
	go func() {
		time.Sleep(10 * time.Millisecond)
		p.Unpark()
	}()
	p.Prepare()
	start := time.Now()
	if !p.Park(10 * time.Second) {
		t.Fatal("Park timed out although Unpark was called")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("woken only after %v", el)
	}
}

func TestUnparkBeforeParkIsNotLost(t *testing.T) {
	p := NewParker()
	p.Prepare()
	p.Unpark() // between the re-check and Park
	if !p.Park(5 * time.Second) {
		t.Fatal("an Unpark between Prepare and Park was lost")
	}
}

func TestStaleWakeupsDoNotCutLaterParksShort(t *testing.T) {
	p := NewParker()
	p.Unpark() // nobody parked: nothing to do
	p.Prepare()
	p.Unpark()
	p.Cancel() // the racing wake-up is absorbed here
	p.Prepare()
	if p.Park(20 * time.Millisecond) {
		t.Fatal("a wake-up from an earlier cycle woke a later Park")
	}
}

func TestParkerMisuseIsABug(t *testing.T) {
	p := NewParker()
	for name, f := range map[string]func(){
		"Park without Prepare":   func() { p.Park(time.Millisecond) },
		"Cancel without Prepare": func() { p.Cancel() },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestParkerDoesNotAllocate(t *testing.T) {
	p := NewParker()
	if a := testing.AllocsPerRun(100, func() { p.Unpark() }); a != 0 {
		t.Errorf("Unpark with nobody parked: %v allocations", a)
	}
	if a := testing.AllocsPerRun(100, func() { p.Prepare(); p.Cancel() }); a != 0 {
		t.Errorf("Prepare+Cancel: %v allocations", a)
	}
	if a := testing.AllocsPerRun(100, func() { p.Prepare(); p.Unpark(); p.Park(time.Second) }); a != 0 {
		t.Errorf("Prepare+Unpark+Park: %v allocations", a)
	}
}

func BenchmarkUnparkNobodyParked(b *testing.B) {
	p := NewParker()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p.Unpark()
		}
	})
}

func BenchmarkParkUnparkPingPong(b *testing.B) {
	p, q := NewParker(), NewParker()
	var turn atomic.Int64
	b.ReportAllocs()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := int64(1); i <= int64(b.N); i++ {
			for turn.Load() < 2*i-1 {
				q.Prepare()
				if turn.Load() >= 2*i-1 {
					q.Cancel()
					break
				}
				q.Park(0)
			}
			turn.Store(2 * i)
			p.Unpark()
		}
	}()
	for i := int64(1); i <= int64(b.N); i++ {
		turn.Store(2*i - 1)
		q.Unpark()
		for turn.Load() < 2*i {
			p.Prepare()
			if turn.Load() >= 2*i {
				p.Cancel()
				break
			}
			p.Park(0)
		}
	}
	<-done
}
