package admin

import (
	"sync"
	"time"

	"github.com/greenwave/greenwave/internal/metrics"
)

// history samples the metrics once a second and keeps the last samples,
// so that the console can draw the last minutes and doctor can look back.
// With many tenants it reads the cheap figures (no precise percentiles)
// and keeps the tenants' part only while there are few of them.
type history struct {
	f   *Fleet
	max int
	mu  sync.Mutex
	s   []metrics.Snapshot
}

// preciseTenants is the most tenants history reads precise latency
// percentiles for; keptTenants the most whose figures it keeps.
const (
	preciseTenants = 64
	keptTenants    = 256
)

func newHistory(f *Fleet, max int) *history { return &history{f: f, max: max} }

func (h *history) run(stop <-chan struct{}) {
	r := metrics.NewReader(h.f)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		r.SetPrecise(len(h.f.Entries()) <= preciseTenants)
		s := r.Read()
		if len(s.Tenants) > keptTenants {
			s.Tenants = nil
		}
		h.mu.Lock()
		h.s = append(h.s, s)
		if len(h.s) > h.max {
			h.s = append(h.s[:0:0], h.s[len(h.s)-h.max:]...)
		}
		h.mu.Unlock()
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// since returns the samples taken after t (all for the zero time).
func (h *history) since(t time.Time) []metrics.Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []metrics.Snapshot
	for _, s := range h.s {
		if s.At.After(t) {
			out = append(out, s)
		}
	}
	return out
}
