package admin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/plan"
	"github.com/greenwave/greenwave/internal/spec"
)

// Fleet is the set of tenants one run manages: the pipeline file each came
// from, its text, and the engine tenant running it. Tenants are added,
// replaced and removed while the others run untouched. Its methods are
// safe for concurrent use; changes are serialised.
type Fleet struct {
	e   *engine.Engine
	cat *component.Catalog
	// Dir is where a pipeline given as text (PUT) resolves relative paths.
	dir string
	// DrainTimeout bounds how long a replace or remove waits for the old
	// version to drain.
	DrainTimeout time.Duration

	change sync.Mutex // serialises Apply and Remove
	mu     sync.Mutex
	byID   map[string]*Entry
	order  []string
	errs   []Event
	// changed is closed and renewed on every change, for Wait.
	changed chan struct{}
}

// Entry is one managed tenant.
type Entry struct {
	ID     string
	File   string // the pipeline file's name ("" for a tenant given as text)
	Text   []byte
	Tenant *engine.Tenant
}

// Event is a recent error or change, for the API.
type Event struct {
	At     time.Time `json:"at"`
	Tenant string    `json:"tenant"`
	Text   string    `json:"text"`
}

// maxEvents is how many recent errors the fleet remembers.
const maxEvents = 50

// NewFleet returns a fleet running tenants on e, parsing their files with
// cat; dir resolves the relative paths of pipelines given as text.
func NewFleet(e *engine.Engine, cat *component.Catalog, dir string) *Fleet {
	return &Fleet{e: e, cat: cat, dir: dir, DrainTimeout: 30 * time.Second, byID: map[string]*Entry{}, changed: make(chan struct{})}
}

// Engine returns the fleet's engine.
func (f *Fleet) Engine() *engine.Engine { return f.e }

// Entries returns the managed tenants in the order they were first added.
func (f *Fleet) Entries() []Entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Entry, 0, len(f.order))
	for _, id := range f.order {
		out = append(out, *f.byID[id])
	}
	return out
}

// Get returns the tenant id, or false.
func (f *Fleet) Get(id string) (Entry, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.byID[id]
	if !ok {
		return Entry{}, false
	}
	return *e, true
}

// Tenants returns the running engine tenants of the entries.
func (f *Fleet) Tenants() []*engine.Tenant {
	var out []*engine.Tenant
	for _, e := range f.Entries() {
		out = append(out, e.Tenant)
	}
	return out
}

// WorkerStats is the engine's (so that a Fleet is a metrics.Source).
func (f *Fleet) WorkerStats() []engine.WorkerStats { return f.e.WorkerStats() }

// Changed returns a channel closed at the next change of the fleet (a
// tenant added, replaced or removed).
func (f *Fleet) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// Errors returns the recent errors, oldest first.
func (f *Fleet) Errors() []Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.errs)
}

// Note records a recent error.
func (f *Fleet) Note(tenant, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, Event{At: time.Now(), Tenant: tenant, Text: text})
	if len(f.errs) > maxEvents {
		f.errs = slices.Delete(f.errs, 0, len(f.errs)-maxEvents)
	}
}

func (f *Fleet) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// Result says what Apply did.
type Result struct {
	ID string `json:"id"`
	// Action is "added", "replaced" or "unchanged".
	Action  string `json:"action"`
	Version int    `json:"version"`
	State   string `json:"state"`
	// Operators says, per keyed operator of the new version, what became
	// of its state.
	Operators []OperatorResult `json:"operators"`
}

// OperatorResult is what became of one keyed operator's state.
type OperatorResult struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

// InvalidError is a pipeline that does not validate: every problem, with
// its position. Nothing was changed.
type InvalidError struct {
	Problems []Problem
}

// Problem is one problem of a pipeline file.
type Problem struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	Component string `json:"component,omitempty"`
	Message   string `json:"message"`
	Text      string `json:"text"`
}

func (e *InvalidError) Error() string {
	if len(e.Problems) == 0 {
		return "invalid pipeline"
	}
	s := e.Problems[0].Text
	if n := len(e.Problems) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}

func invalid(err error) *InvalidError {
	var ds diag.List
	if errors.As(err, &ds) {
		ie := &InvalidError{}
		for _, d := range ds {
			ie.Problems = append(ie.Problems, Problem{File: d.File, Line: d.Line, Column: d.Col, Component: d.Component, Message: d.Message(), Text: d.Error()})
		}
		return ie
	}
	var d *diag.Diagnostic
	if errors.As(err, &d) {
		return &InvalidError{Problems: []Problem{{File: d.File, Line: d.Line, Column: d.Col, Component: d.Component, Message: d.Message(), Text: d.Error()}}}
	}
	return &InvalidError{Problems: []Problem{{Message: err.Error(), Text: err.Error()}}}
}

// ApplyFile adds or replaces the tenant of a pipeline file on disk.
func (f *Fleet) ApplyFile(file string) (Result, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return Result{}, fmt.Errorf("cannot read %q: %w", file, errors.Unwrap(err))
	}
	return f.apply("", file, text)
}

// Apply adds the tenant id from a pipeline file's text, or replaces the
// running one. The text is validated first — parsed, compiled, checked
// against the other tenants' claims — and an *InvalidError holding every
// problem is returned with nothing changed. A replace drains the old
// version losslessly (Engine.Replace) and starts the new one as its
// version plus one; state is not carried over between versions, so every
// keyed operator of the new version starts empty.
func (f *Fleet) Apply(id string, text []byte) (Result, error) {
	return f.apply(id, "", text)
}

func (f *Fleet) apply(id, file string, text []byte) (Result, error) {
	f.change.Lock()
	defer f.change.Unlock()
	parseAs := file
	if file == "" {
		parseAs = filepath.Join(f.dir, id+".yaml")
	}
	p, err := spec.Parse(parseAs, text, f.cat)
	if err != nil {
		return Result{}, invalid(err)
	}
	if id == "" {
		id = p.Tenant
	} else if p.Tenant != id {
		return Result{}, invalid(spec.Errorf(p.TenantPos, "", "tenant %s does not match the tenant %s being put", diag.Quote(p.Tenant), diag.Quote(id)))
	}
	f.mu.Lock()
	old := f.byID[id]
	var others []*spec.Pipeline
	for _, oid := range f.order {
		if e := f.byID[oid]; oid != id && e.Tenant.State() != engine.StateFinished && e.Tenant.State() != engine.StateFailed {
			others = append(others, e.Tenant.Plan.Pipeline)
		}
	}
	f.mu.Unlock()
	if errs := spec.CheckClaims(append(others, p)); len(errs) > 0 {
		return Result{}, invalid(errs)
	}
	if old != nil && string(old.Text) == string(text) && old.Tenant.State() == engine.StateRunning {
		return Result{ID: id, Action: "unchanged", Version: old.Tenant.Version(), State: string(old.Tenant.State()), Operators: operators(old.Tenant.Plan, "kept")}, nil
	}
	pl, err := f.e.Compile(p)
	if err != nil {
		return Result{}, invalid(err)
	}
	var t *engine.Tenant
	action := "added"
	if old != nil {
		action = "replaced"
		t, err = f.e.Replace(old.Tenant, pl, f.DrainTimeout)
	} else {
		t, err = f.e.Run(pl)
		f.e.Start()
	}
	if err != nil {
		f.Note(id, err.Error())
		return Result{}, err
	}
	f.mu.Lock()
	if old == nil {
		f.order = append(f.order, id)
	}
	f.byID[id] = &Entry{ID: id, File: file, Text: text, Tenant: t}
	f.notifyLocked()
	f.mu.Unlock()
	return Result{ID: id, Action: action, Version: t.Version(), State: string(t.State()), Operators: operators(pl, "started empty")}, nil
}

// Add registers a tenant started elsewhere (by run at start).
func (f *Fleet) Add(file string, text []byte, t *engine.Tenant) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.byID[t.Name]; !ok {
		f.order = append(f.order, t.Name)
	}
	f.byID[t.Name] = &Entry{ID: t.Name, File: file, Text: text, Tenant: t}
	f.notifyLocked()
}

// ErrNotFound is returned for a tenant the fleet does not have.
var ErrNotFound = errors.New("no such tenant")

// Remove drains the tenant id and drops it.
func (f *Fleet) Remove(id string) (engine.Stats, error) {
	f.change.Lock()
	defer f.change.Unlock()
	e, ok := f.Get(id)
	if !ok {
		return engine.Stats{}, fmt.Errorf("tenant %q: %w", id, ErrNotFound)
	}
	if err := f.e.Remove(e.Tenant, f.DrainTimeout); err != nil {
		f.Note(id, err.Error())
		return engine.Stats{}, err
	}
	f.mu.Lock()
	delete(f.byID, id)
	f.order = slices.DeleteFunc(f.order, func(s string) bool { return s == id })
	f.notifyLocked()
	f.mu.Unlock()
	return e.Tenant.Stats(), nil
}

// operators lists the keyed operators of pl with what became of their
// state.
func operators(pl *plan.Plan, what string) []OperatorResult {
	out := []OperatorResult{}
	for _, n := range pl.Nodes {
		if n.Comp.Spec.Keyed {
			out = append(out, OperatorResult{Name: n.Name(), State: what})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
