package ring

import (
	"runtime"
	"testing"
)

// publishN claims, fills with consecutive values from v and publishes up to
// n events; it returns how many fit.
func publishN(r *Ring[uint64], n int, v uint64) int {
	pos, got := r.Claim(n)
	for i := range got {
		*r.Slot(pos + uint64(i)) = v + uint64(i)
	}
	r.Publish(pos, got)
	return got
}

// pollAll polls and releases everything readable, returning values and
// sequence numbers.
func pollAll(r *Ring[uint64]) (vals, seqs []uint64) {
	for {
		pos, n := r.Poll(1 << 20)
		if n == 0 {
			return vals, seqs
		}
		for i := range n {
			p := pos + uint64(i)
			vals = append(vals, *r.Slot(p))
			seqs = append(seqs, r.Seq(p))
		}
		r.Release(pos, n)
	}
}

// produceBlocking publishes values from, from+1, ..., from+n-1 in batches of
// up to batch, retrying while the ring is full.
func produceBlocking(r *Ring[uint64], from, n uint64, batch int) {
	for i := from; i < from+n; {
		pos, got := r.Claim(int(min(uint64(batch), from+n-i)))
		if got == 0 {
			runtime.Gosched()
			continue
		}
		for j := range got {
			*r.Slot(pos + uint64(j)) = i + uint64(j)
		}
		r.Publish(pos, got)
		i += uint64(got)
	}
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
