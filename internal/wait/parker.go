package wait

import (
	"sync/atomic"
	"time"
)

const (
	stateIdle     int32 = 0 // nobody is preparing to park
	stateParking  int32 = 1 // Prepare was called; Unpark must wake
	cacheLinePair       = 128
)

// Parker lets one goroutine (the owner) sleep until another wakes it.
//
// The owner calls Prepare, re-checks for work, then Cancel or Park; any
// goroutine may call Unpark. Each Unpark that finds the owner preparing or
// parked wakes it exactly once; an Unpark at any other time does nothing,
// and costs one atomic load. The zero Parker is not ready: use NewParker. A
// Parker must not be copied.
type Parker struct {
	_ [cacheLinePair]byte
	// state is written by the owner only when it is about to sleep, and by
	// the one Unpark that wins the compare-and-swap; otherwise it is only
	// read, so the line stays shared in every producer's cache.
	state atomic.Int32
	_     [cacheLinePair]byte

	// wake carries the token of the Unpark that won the state change. At
	// most one token is ever in flight: the owner takes it before the next
	// Prepare.
	wake     chan struct{}
	timer    *time.Timer
	prepared bool // owner only
	_        [cacheLinePair]byte
}

// NewParker returns a Parker with nobody parked.
func NewParker() *Parker {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Parker{wake: make(chan struct{}, 1), timer: t}
}

// Prepare announces that the owner intends to park. The owner must then
// re-check for work and call Cancel or Park.
func (p *Parker) Prepare() {
	p.prepared = true
	p.state.Store(stateParking)
}

// Cancel withdraws Prepare because the re-check found work. If an Unpark
// raced with it, its wake-up is absorbed here, so it does not cut a later
// Park short.
func (p *Parker) Cancel() {
	if !p.prepared {
		panic("BUG: wait: Parker.Cancel without Prepare")
	}
	p.prepared = false
	if p.state.Swap(stateIdle) == stateIdle {
		<-p.wake // the winning Unpark sends right after its swap
	}
}

// Park sleeps until Unpark or until timeout has passed (timeout <= 0: no
// timeout) and reports whether Unpark woke it. It must follow Prepare.
func (p *Parker) Park(timeout time.Duration) bool {
	if !p.prepared {
		panic("BUG: wait: Parker.Park without Prepare")
	}
	p.prepared = false
	if timeout <= 0 {
		<-p.wake
		return true
	}
	p.timer.Reset(timeout)
	select {
	case <-p.wake:
		p.timer.Stop()
		return true
	case <-p.timer.C:
		if p.state.CompareAndSwap(stateParking, stateIdle) {
			return false
		}
		<-p.wake // an Unpark won the race with the timeout: take its token
		return true
	}
}

// Unpark wakes the owner if it is preparing to park or parked. Safe from any
// goroutine; when nobody is parked it is a single atomic load.
func (p *Parker) Unpark() {
	if p.state.Load() == stateParking && p.state.CompareAndSwap(stateParking, stateIdle) {
		p.wake <- struct{}{}
	}
}
