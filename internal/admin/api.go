package admin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/metrics"
	"github.com/greenwave/greenwave/internal/plan"
)

// TenantSummary is one tenant in GET /api/tenants.
type TenantSummary struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	// State is running, stopping, finished or failed.
	State string `json:"state"`
	File  string `json:"file,omitempty"`
	Error string `json:"error,omitempty"`
}

// TenantList is the body of GET /api/tenants.
type TenantList struct {
	Tenants []TenantSummary `json:"tenants"`
	// Errors are the run's recent errors (failed changes, failed tenants).
	Errors []Event `json:"errors"`
}

// TenantDetail is the body of GET /api/tenants/{id}.
type TenantDetail struct {
	TenantSummary
	// Text is the pipeline file's text.
	Text    string          `json:"text"`
	Plan    Plan            `json:"plan"`
	Metrics *metrics.Tenant `json:"metrics"`
	Errors  []Event         `json:"errors"`
}

// Plan is a tenant's physical plan as the API shows it.
type Plan struct {
	Components []PlanComponent `json:"components"`
	Actors     []PlanActor     `json:"actors"`
	Edges      []PlanEdge      `json:"edges"`
}

// PlanComponent is one component of the logical DAG.
type PlanComponent struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Type        string   `json:"type"`
	Inputs      []string `json:"inputs"`
	Parallelism int      `json:"parallelism"`
	Keyed       bool     `json:"keyed"`
}

// PlanActor is one actor: fused components, one instance.
type PlanActor struct {
	Name       string   `json:"name"`
	Components []string `json:"components"`
	Worker     int      `json:"worker"`
}

// PlanEdge is one logical edge.
type PlanEdge struct {
	From     string `json:"from"`
	Output   string `json:"output,omitempty"`
	To       string `json:"to"`
	Capacity int    `json:"capacity"`
	Policy   string `json:"policy"`
}

func planOf(pl *plan.Plan) Plan {
	out := Plan{Components: []PlanComponent{}, Actors: []PlanActor{}, Edges: []PlanEdge{}}
	for _, n := range pl.Nodes {
		c := PlanComponent{Name: n.Name(), Type: n.Comp.Spec.Type, Inputs: []string{}, Parallelism: max(n.Comp.Parallelism, 1), Keyed: n.Comp.Spec.Keyed}
		switch n.Comp.Kind {
		case component.KindSource:
			c.Kind = "source"
		case component.KindSink:
			c.Kind = "sink"
		default:
			c.Kind = "transform"
		}
		for _, e := range n.Inputs {
			c.Inputs = append(c.Inputs, e.Label()[:len(e.Label())-len(" -> "+n.Name())])
			pe := PlanEdge{From: e.From.Name(), To: n.Name(), Capacity: e.Capacity, Policy: e.Policy}
			if e.Output > 0 {
				pe.Output = e.From.Comp.Spec.SideOutputs[e.Output-1]
			}
			out.Edges = append(out.Edges, pe)
		}
		out.Components = append(out.Components, c)
	}
	for _, a := range pl.Actors {
		pa := PlanActor{Name: a.Name(), Worker: a.Worker}
		for _, n := range a.Nodes {
			pa.Components = append(pa.Components, n.Name())
		}
		out.Actors = append(out.Actors, pa)
	}
	return out
}

func summary(e Entry) TenantSummary {
	s := TenantSummary{ID: e.ID, Version: e.Tenant.Version(), State: apiState(e.Tenant), File: e.File}
	if err := e.Tenant.Err(); err != nil {
		s.Error = err.Error()
	}
	return s
}

// apiState is the tenant's state; a tenant stopping because the run is
// stopping is still running as far as the API is concerned until done.
func apiState(t *engine.Tenant) string {
	st := t.State()
	if st == engine.StateStopping {
		return string(engine.StateRunning)
	}
	return string(st)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// apiError is the body of every error answer.
type apiError struct {
	Error    string    `json:"error"`
	Problems []Problem `json:"problems,omitempty"`
}

func (s *Server) listTenants(w http.ResponseWriter, _ *http.Request) {
	out := TenantList{Tenants: []TenantSummary{}, Errors: s.fleet.Errors()}
	for _, e := range s.fleet.Entries() {
		out.Tenants = append(out.Tenants, summary(e))
	}
	if out.Errors == nil {
		out.Errors = []Event{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getTenant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e, ok := s.fleet.Get(id)
	if !ok {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no tenant " + strconv.Quote(id)})
		return
	}
	snap := s.json.reader(r).ReadTenants([]*engine.Tenant{e.Tenant})
	d := TenantDetail{TenantSummary: summary(e), Text: string(e.Text), Plan: planOf(e.Tenant.Plan), Errors: []Event{}}
	if len(snap.Tenants) == 1 {
		d.Metrics = &snap.Tenants[0]
	}
	for _, ev := range s.fleet.Errors() {
		if ev.Tenant == id {
			d.Errors = append(d.Errors, ev)
		}
	}
	writeJSON(w, http.StatusOK, d)
}

// maxPipelineBytes bounds a PUT body.
const maxPipelineBytes = 4 << 20

func (s *Server) putTenant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPipelineBytes+1))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "cannot read the request body: " + err.Error()})
		return
	}
	if len(body) > maxPipelineBytes {
		writeJSON(w, http.StatusRequestEntityTooLarge, apiError{Error: "pipeline file larger than 4 MiB"})
		return
	}
	res, err := s.fleet.Apply(id, body)
	var inv *InvalidError
	switch {
	case errors.As(err, &inv):
		s.fleet.Note(id, "rejected change: "+inv.Error())
		writeJSON(w, http.StatusBadRequest, apiError{Error: "invalid pipeline file; nothing was changed", Problems: inv.Problems})
		return
	case err != nil:
		writeJSON(w, http.StatusConflict, apiError{Error: err.Error()})
		return
	}
	code := http.StatusOK
	if res.Action == "added" {
		code = http.StatusCreated
	}
	writeJSON(w, code, res)
}

// Removed is the body of DELETE /api/tenants/{id}: the tenant's final
// figures.
type Removed struct {
	ID      string  `json:"id"`
	Removed bool    `json:"removed"`
	Version int     `json:"version"`
	In      uint64  `json:"in_total"`
	Out     uint64  `json:"out_total"`
	Dropped uint64  `json:"dropped_total"`
	Elapsed float64 `json:"elapsed_seconds"`
}

func (s *Server) deleteTenant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e, ok := s.fleet.Get(id)
	st, err := s.fleet.Remove(id)
	switch {
	case errors.Is(err, ErrNotFound):
		writeJSON(w, http.StatusNotFound, apiError{Error: "no tenant " + strconv.Quote(id)})
		return
	case err != nil:
		writeJSON(w, http.StatusConflict, apiError{Error: err.Error()})
		return
	}
	v := 0
	if ok {
		v = e.Tenant.Version()
	}
	writeJSON(w, http.StatusOK, Removed{ID: id, Removed: true, Version: v, In: st.In, Out: st.Out, Dropped: st.Dropped, Elapsed: st.Elapsed.Seconds()})
}

// getMetrics serves the whole metrics model. Interval figures are since
// this client's previous request (named by the `reader` parameter, or its
// address); `precise=1` reads exact latency percentiles.
func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) {
	rd := s.json.reader(r)
	rd.SetPrecise(r.URL.Query().Get("precise") == "1")
	writeJSON(w, http.StatusOK, rd.Read())
}

// getHistory serves the sampled snapshots, the last `seconds` (default
// all kept).
func (s *Server) getHistory(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.history.since(since(r)))
}

func since(r *http.Request) time.Time {
	if sec, err := strconv.ParseFloat(r.URL.Query().Get("seconds"), 64); err == nil && sec > 0 {
		return time.Now().Add(-time.Duration(sec * float64(time.Second)))
	}
	return time.Time{}
}

// Sample is one sampled moment of one tenant.
type Sample struct {
	At     time.Time       `json:"at"`
	Tenant *metrics.Tenant `json:"tenant"`
}

func (s *Server) tenantHistory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := s.fleet.Get(id); !ok {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no tenant " + strconv.Quote(id)})
		return
	}
	out := []Sample{}
	for _, snap := range s.history.since(since(r)) {
		if t := snap.Tenant(id); t != nil {
			out = append(out, Sample{At: snap.At, Tenant: t})
		}
	}
	writeJSON(w, http.StatusOK, out)
}
