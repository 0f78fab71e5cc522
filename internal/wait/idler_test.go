package wait

import (
	"testing"
	"time"
)

func TestBusySpinReturnsAtOnce(t *testing.T) {
	i := NewIdler(BusySpin, nil)
	for range 10 {
		i.Idle(func() bool { t.Fatal("busy_spin called hasWork"); return false })
	}
	if st := i.Stats(); st != (IdleStats{Spins: 10}) {
		t.Fatalf("stats %+v, want 10 spins", st)
	}
}

func TestYieldNeverParks(t *testing.T) {
	i := NewIdler(Yield, nil)
	for range 10 {
		i.Idle(func() bool { t.Fatal("yield called hasWork"); return false })
	}
	if st := i.Stats(); st != (IdleStats{Yields: 10}) {
		t.Fatalf("stats %+v, want 10 yields", st)
	}
}

func TestParkParksAtOnceUntilTimeout(t *testing.T) {
	i := NewIdler(Park, NewParker())
	i.MaxPark = 20 * time.Millisecond
	checked := 0
	start := time.Now()
	i.Idle(func() bool { checked++; return false })
	if el := time.Since(start); el < 20*time.Millisecond {
		t.Fatalf("Idle returned after %v, before MaxPark", el)
	}
	if checked != 1 {
		t.Fatalf("hasWork called %d times before parking, want 1", checked)
	}
	if st := i.Stats(); st != (IdleStats{Parks: 1}) {
		t.Fatalf("stats %+v, want 1 park, 0 wakes", st)
	}
}

func TestParkSkipsSleepWhenRecheckFindsWork(t *testing.T) {
	i := NewIdler(Park, NewParker())
	i.MaxPark = 10 * time.Second
	start := time.Now()
	i.Idle(func() bool { return true })
	if el := time.Since(start); el > time.Second {
		t.Fatalf("Idle slept %v although work was found", el)
	}
	if st := i.Stats(); st.Parks != 0 {
		t.Fatalf("stats %+v, want no park", st)
	}
}

func TestParkIsWokenByUnpark(t *testing.T) {
	p := NewParker()
	i := NewIdler(Park, p)
	i.MaxPark = 10 * time.Second
	go func() {
		time.Sleep(10 * time.Millisecond)
		p.Unpark()
	}()
	start := time.Now()
	i.Idle(nil)
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("woken only after %v", el)
	}
	if st := i.Stats(); st != (IdleStats{Parks: 1, Wakes: 1}) {
		t.Fatalf("stats %+v, want 1 park, 1 wake", st)
	}
}

func TestNegativeMaxParkDoesNotPark(t *testing.T) {
	i := NewIdler(Park, NewParker())
	i.MaxPark = -time.Millisecond
	i.Idle(func() bool { t.Fatal("hasWork called although no park was due"); return false })
	if st := i.Stats(); st.Parks != 0 {
		t.Fatalf("stats %+v, want no park", st)
	}
}

func TestSpinThenParkEscalates(t *testing.T) {
	p := NewParker()
	i := NewIdler(SpinThenPark, p)
	i.Spins = 4
	i.MaxPark = time.Millisecond
	checks := 0
	hasWork := func() bool { checks++; return false }
	for range 4 {
		i.Idle(hasWork)
	}
	if checks != 0 {
		t.Fatalf("parked during the first %d idle passes", i.Spins)
	}
	if st := i.Stats(); st != (IdleStats{Spins: 2, Yields: 2}) {
		t.Fatalf("after 4 idle passes: %+v, want 2 spins and 2 yields", st)
	}
	i.Idle(hasWork) // fifth pass parks (and times out)
	i.Idle(hasWork) // still idle: parks again
	if st := i.Stats(); checks != 2 || st.Parks != 2 || st.Wakes != 0 {
		t.Fatalf("after 6 idle passes: %d checks, %+v; want 2 parks", checks, st)
	}
	i.Worked()
	i.Idle(hasWork)
	if checks != 2 {
		t.Fatal("parked right after Worked instead of spinning again")
	}
}

func TestSpinThenParkSpinsAgainAfterAWake(t *testing.T) {
	p := NewParker()
	i := NewIdler(SpinThenPark, p)
	i.Spins = 2
	i.MaxPark = 10 * time.Second
	i.Idle(nil)
	i.Idle(nil)
	go func() {
		time.Sleep(5 * time.Millisecond)
		p.Unpark()
	}()
	i.Idle(nil) // parks until the Unpark
	before := i.Stats()
	i.Idle(func() bool { t.Fatal("parked right after a wake-up"); return false })
	if before.Wakes != 1 || i.Stats().Spins != before.Spins+1 {
		t.Fatalf("stats before %+v after %+v", before, i.Stats())
	}
}

func TestDefaultsApplyWhenZero(t *testing.T) {
	i := NewIdler(SpinThenPark, NewParker())
	i.MaxPark = -1 // never actually sleep in this test
	for range DefaultSpins {
		i.Idle(func() bool { t.Fatal("parked before DefaultSpins idle passes"); return false })
	}
	if st := i.Stats(); st.Spins+st.Yields != DefaultSpins {
		t.Fatalf("stats %+v, want %d spin and yield passes", st, DefaultSpins)
	}
}

func TestParkingStrategyWithoutParkerIsABug(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Idle with strategy park and no Parker did not panic")
		}
	}()
	NewIdler(Park, nil).Idle(nil)
}

// TestSpinForParksOnlyAfterItsBudget: with SpinFor, SpinThenPark keeps
// returning without parking until the budget has passed, then parks (and a
// pending Unpark ends that park at once).
func TestSpinForParksOnlyAfterItsBudget(t *testing.T) {
	p := NewParker()
	i := NewIdler(SpinThenPark, p)
	i.SpinFor = 20 * time.Millisecond
	i.MaxPark = time.Second
	start := time.Now()
	for time.Since(start) < 15*time.Millisecond {
		i.Idle(nil)
	}
	if st := i.Stats(); st.Parks != 0 || st.Spins == 0 || st.Yields == 0 {
		t.Fatalf("within the budget: %+v, want spins and yields but no park", st)
	}
	time.Sleep(10 * time.Millisecond)
	go func() {
		time.Sleep(20 * time.Millisecond)
		p.Unpark()
	}()
	// The clock is read every 16th idle pass, so the park comes within 16.
	for k := 0; k < 17 && i.Stats().Parks == 0; k++ {
		i.Idle(nil)
	}
	if st := i.Stats(); st.Parks != 1 || st.Wakes != 1 {
		t.Fatalf("after the budget: %+v, want one park ended by Unpark", st)
	}
	i.Worked()
	i.Idle(nil)
	if st := i.Stats(); st.Parks != 1 {
		t.Fatalf("after Worked the budget restarts, but it parked: %+v", st)
	}
}

// TestSleepParksWithoutSpinning: Sleep parks at once under spin_then_park
// (and park), reporting it through Parked; busy_spin still spins.
func TestSleepParksWithoutSpinning(t *testing.T) {
	i := NewIdler(SpinThenPark, NewParker())
	i.SpinFor = time.Second
	i.MaxPark = time.Millisecond
	i.Sleep(nil)
	if st := i.Stats(); st != (IdleStats{Parks: 1}) || !i.Parked() {
		t.Fatalf("stats %+v, parked %v; want one park and no spin", st, i.Parked())
	}
	i.Idle(func() bool { return true })
	if i.Parked() {
		t.Fatal("Parked after an Idle that spun")
	}
	b := NewIdler(BusySpin, nil)
	b.Sleep(nil)
	if st := b.Stats(); st != (IdleStats{Spins: 1}) || b.Parked() {
		t.Fatalf("busy_spin Sleep: stats %+v, parked %v", st, b.Parked())
	}
}
