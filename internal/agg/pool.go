package agg

// Pool is a free list of Sets of one Layout, for a window operator that
// opens and closes many windows: Put resets a Set and keeps it, with its
// sketches and counter tables, for a later Get, so steady window churn does
// not allocate. A Pool belongs to one goroutine (no locking, unlike
// sync.Pool, and nothing is dropped behind its owner's back). The zero Pool
// is not usable; use NewPool.
type Pool struct {
	l       *Layout
	free    []*Set
	maxIdle int
}

// NewPool returns an empty pool of l's Sets that keeps at most maxIdle idle
// Sets (maxIdle <= 0: no limit); Sets put beyond it are left to the garbage
// collector, so a burst of windows does not pin its memory forever.
func NewPool(l *Layout, maxIdle int) *Pool { return &Pool{l: l, maxIdle: maxIdle} }

// Get returns an empty Set: an idle one when there is one, else a new one.
func (p *Pool) Get() *Set {
	if n := len(p.free); n > 0 {
		s := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return s
	}
	return p.l.New()
}

// Put resets s and keeps it for reuse. s must come from the pool's layout
// and must not be used after Put.
func (p *Pool) Put(s *Set) {
	if s.l != p.l {
		panic("BUG: agg: Pool.Put of a Set of another layout")
	}
	if p.maxIdle > 0 && len(p.free) >= p.maxIdle {
		return
	}
	s.Reset()
	p.free = append(p.free, s)
}

// Idle returns the number of Sets waiting for reuse.
func (p *Pool) Idle() int { return len(p.free) }
