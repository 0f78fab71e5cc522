package sim

import "testing"

// TestLineFIFOAcrossGrowth pushes enough requests to grow both rings several
// times, with wrap-around, and checks order and bookkeeping.
func TestLineFIFOAcrossGrowth(t *testing.T) {
	var l line
	next, done := int64(0), int64(0)
	for round := range 50 {
		for range 37 + round*11 {
			l.arrive(next)
			next++
		}
		n := min(l.queued(), 5+round*7)
		before := l.inside()
		l.dispatch(n, 1000+int64(round))
		if l.inside() != before+n {
			t.Fatalf("round %d: inside %d after dispatching %d onto %d", round, l.inside(), n, before)
		}
		for range l.inside() / 2 {
			a, d := l.complete()
			if a != done {
				t.Fatalf("round %d: completed arrival %d, want %d", round, a, done)
			}
			if d < 1000 || d > 1000+int64(round) {
				t.Fatalf("round %d: dispatch time %d out of range", round, d)
			}
			done++
		}
	}
	if got := int64(l.queued()+l.inside()) + done; got != next {
		t.Fatalf("lost requests: %d accounted for, %d arrived", got, next)
	}
}

func TestLineDispatchTimesFollowBatches(t *testing.T) {
	var l line
	for i := range 10 {
		l.arrive(int64(i))
	}
	l.dispatch(3, 100)
	l.dispatch(4, 200)
	want := []int64{100, 100, 100, 200, 200, 200, 200}
	for i, w := range want {
		a, d := l.complete()
		if a != int64(i) || d != w {
			t.Fatalf("request %d: arrival %d dispatch %d, want %d and %d", i, a, d, i, w)
		}
	}
	if l.queued() != 3 || l.inside() != 0 {
		t.Fatalf("queued %d inside %d, want 3 and 0", l.queued(), l.inside())
	}
}

func TestLineBrokenInvariantsPanic(t *testing.T) {
	for name, f := range map[string]func(*line){
		"complete empty":    func(l *line) { l.complete() },
		"dispatch too many": func(l *line) { l.arrive(1); l.dispatch(2, 5) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f(new(line))
		})
	}
}
