package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/greenwave/greenwave/internal/metrics"
)

// tap streams sampled live events of one component's output as JSON lines:
// at most `rate` a second (default 10), `limit` of them (0: until the
// client leaves). Nobody tapping costs the pipeline one atomic load per
// batch (engine.Tenant.Tap).
func (s *Server) tap(w http.ResponseWriter, r *http.Request) {
	id, comp := r.PathValue("tenant"), r.PathValue("component")
	e, ok := s.fleet.Get(id)
	if !ok {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no tenant " + strconv.Quote(id)})
		return
	}
	q := r.URL.Query()
	rate := 10.0
	if v := q.Get("rate"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 100000 {
			writeJSON(w, http.StatusBadRequest, apiError{Error: "rate must be a number of events per second in (0, 100000], got " + strconv.Quote(v)})
			return
		}
		rate = f
	}
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, apiError{Error: "limit must be a count of events (0: no limit), got " + strconv.Quote(v)})
			return
		}
		limit = n
	}
	tp, err := e.Tenant.Tap(comp, rate, 256)
	if err != nil {
		writeJSON(w, http.StatusNotFound, apiError{Error: err.Error()})
		return
	}
	defer tp.Close()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	if fl != nil {
		fl.Flush()
	}
	done := e.Tenant.Done()
	sent := 0
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for limit == 0 || sent < limit {
		select {
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		case <-done:
			return
		case <-tick.C:
			if fl != nil {
				fl.Flush()
			}
		case b, ok := <-tp.C:
			if !ok {
				return
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return
			}
			sent++
			if fl != nil {
				fl.Flush()
			}
		}
	}
}

// contention measures the Go mutex profile for `seconds` (default 5, at
// most 60) and reports the contended stacks.
func (s *Server) contention(w http.ResponseWriter, r *http.Request) {
	d := 5 * time.Second
	if v := r.URL.Query().Get("seconds"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 60 {
			writeJSON(w, http.StatusBadRequest, apiError{Error: "seconds must be in (0, 60], got " + strconv.Quote(v)})
			return
		}
		d = time.Duration(f * float64(time.Second))
	}
	writeJSON(w, http.StatusOK, metrics.MeasureContention(r.Context(), d))
}
