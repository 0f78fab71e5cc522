package serve

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestWindowConcurrentReaders pushes deltas through a small window while
// readers copy from it without a lock: every copy must be contiguous,
// start no earlier than asked, end no later than the head published after
// it, and report as gone only deltas that were really evicted.
func TestWindowConcurrentReaders(t *testing.T) {
	const total, batch = 100_000, 7
	w := newWindow(64, 1<<20)
	data := []byte(`{"type":"delta"}`)
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []*Msg
			for i := uint64(1); !done.Load(); i++ {
				seq := uint64(1)
				if h, d := w.head.Load(), i%100; h > d {
					seq = h - d
				}
				var from uint64
				buf, from = w.appendFrom(buf[:0], seq)
				head, first := w.head.Load(), w.first.Load()
				switch {
				case from < seq:
					errs <- "copy starts before the seq asked for"
					return
				case from+uint64(len(buf)) > head+1:
					errs <- "copy goes past the published head"
					return
				case from > seq && first < from:
					errs <- "a retained delta reported gone"
					return
				}
				for k, m := range buf {
					if m.Seq != from+uint64(k) {
						errs <- "copy not contiguous"
						return
					}
				}
			}
		}()
	}
	for seq := uint64(1); seq <= total; {
		for k := 0; k < batch && seq <= total; k++ {
			w.push(&Msg{Kind: KindDelta, Seq: seq, Data: data})
			seq++
		}
		w.publish(seq - 1)
	}
	done.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if got := w.first.Load(); got != total-63 {
		t.Fatalf("first = %d, want %d", got, total-63)
	}
	out, from := w.appendFrom(nil, 1)
	if from != total-63 || len(out) != 64 || out[63].Seq != total {
		t.Fatalf("final copy from 1: from %d, %d messages", from, len(out))
	}
	if w.evicted.Load() != total-64 || w.pubN.Load() != 64 {
		t.Fatalf("evicted %d, held %d", w.evicted.Load(), w.pubN.Load())
	}
}

// TestWindowByteBound evicts by bytes, and an evicted delta is released.
func TestWindowByteBound(t *testing.T) {
	w := newWindow(100, 50)
	for seq := uint64(1); seq <= 10; seq++ {
		w.push(&Msg{Seq: seq, Data: make([]byte, 20)})
	}
	w.publish(10)
	if w.pubN.Load() != 2 || w.pubBytes.Load() != 40 || w.first.Load() != 9 {
		t.Fatalf("held %d (%d bytes) from %d, want 2 (40) from 9", w.pubN.Load(), w.pubBytes.Load(), w.first.Load())
	}
	for seq := uint64(1); seq <= 8; seq++ {
		if w.slot(seq).Load() != nil {
			t.Fatalf("evicted delta %d still referenced", seq)
		}
	}
}
