package metrics_test

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/bench"
	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/metrics"
)

// shape is what of a tenant does not change while it idles: its id,
// version, actors and edges.
func shape(s metrics.Snapshot) []string {
	var out []string
	for _, t := range s.Tenants {
		out = append(out, fmt.Sprintf("tenant %s v%d %s", t.ID, t.Version, t.State))
		for _, a := range t.Actors {
			out = append(out, fmt.Sprintf("  actor %s %s %v", a.Name, a.Kind, a.Components))
		}
		for _, e := range t.Edges {
			out = append(out, fmt.Sprintf("  edge %s %s %d cap %d", e.Label, e.To, e.Partition, e.Capacity))
		}
	}
	return out
}

// twice lists its fleet's first tenant a second time.
type twice struct{ *admin.Fleet }

func (s twice) Tenants() []*engine.Tenant {
	ts := s.Fleet.Tenants()
	return append(ts, ts[0])
}

// A read of many tenants, spread over goroutines, gives the tenants in the
// source's order with the figures a read one after another gives; a
// tenant listed twice is read one after another.
func TestParallelReadMatchesSerial(t *testing.T) {
	e, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Stop(30 * time.Second); e.Close() }()
	f := admin.NewFleet(e, builtin.Catalog(), t.TempDir())
	const n = 300
	for i := range n {
		id := fmt.Sprintf("t%03d", i)
		if _, err := f.Apply(id, []byte(bench.IdleTenant(id))); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		running := 0
		for _, tn := range metrics.NewReader(f).Read().Tenants {
			if len(tn.Edges) == 5 && len(tn.Actors) == 4 {
				running++
			}
		}
		if running == n {
			break
		}
		if time.Now().After(deadline) {
			tn := metrics.NewReader(f).Read().Tenants[0]
			t.Fatalf("%d of %d tenants running; the first: %s %d actors %d edges", running, n, tn.State, len(tn.Actors), len(tn.Edges))
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	parallel, serial := metrics.NewReader(f), metrics.NewReader(f)
	for round := range 3 {
		runtime.GOMAXPROCS(4)
		p := parallel.Read()
		runtime.GOMAXPROCS(1)
		s := serial.Read()
		if len(p.Tenants) != n || !slices.Equal(shape(p), shape(s)) {
			t.Fatalf("round %d: the parallel read's %d tenants differ from the serial read's %d", round, len(p.Tenants), len(s.Tenants))
		}
		for i := range p.Tenants {
			if want := fmt.Sprintf("t%03d", i); p.Tenants[i].ID != want {
				t.Fatalf("round %d: tenant %d is %s, want %s", round, i, p.Tenants[i].ID, want)
			}
			// The serial read comes a moment later: at most a tick
			// (the sources make an event a second) further.
			if pe, se := p.Tenants[i].Edges[0].Published, s.Tenants[i].Edges[0].Published; se < pe || se > pe+2 {
				t.Errorf("round %d: tenant %d's first edge published %d in parallel, %d serial", round, i, pe, se)
			}
		}
	}
	runtime.GOMAXPROCS(4)
	d := metrics.NewReader(twice{f})
	for range 2 {
		s := d.Read()
		if len(s.Tenants) != n+1 || s.Tenants[n].ID != s.Tenants[0].ID {
			t.Fatalf("a source listing a tenant twice: %d tenants, the last %q", len(s.Tenants), s.Tenants[len(s.Tenants)-1].ID)
		}
	}
}

// A Reader with Reuse gives the snapshots a plain one gives, building each
// tenant's actors and edges in the memory of its previous read.
func TestReuseReadsTheSameInTheSameMemory(t *testing.T) {
	e, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Stop(30 * time.Second); e.Close() }()
	f := admin.NewFleet(e, builtin.Catalog(), t.TempDir())
	for _, id := range []string{"a", "b", "c"} {
		if _, err := f.Apply(id, []byte(bench.IdleTenant(id))); err != nil {
			t.Fatal(err)
		}
	}
	plain, reused := metrics.NewReader(f), metrics.NewReader(f)
	reused.Reuse = true
	var prev metrics.Snapshot
	for round := range 3 {
		p, r := plain.Read(), reused.Read()
		if !slices.Equal(shape(p), shape(r)) {
			t.Fatalf("round %d: the reusing reader's snapshot differs:\n%v\nwant\n%v", round, shape(r), shape(p))
		}
		if round > 0 {
			for i := range r.Tenants {
				a, b := r.Tenants[i], prev.Tenants[i]
				if len(a.Actors) == 0 || len(a.Edges) == 0 || &a.Actors[0] != &b.Actors[0] || &a.Edges[0] != &b.Edges[0] {
					t.Fatalf("round %d: tenant %s's actors and edges are not in its previous read's memory", round, a.ID)
				}
			}
		}
		prev = r
	}
	d := metrics.NewReader(twice{f})
	d.Reuse = true
	for range 2 {
		s := d.Read()
		if &s.Tenants[0].Actors[0] == &s.Tenants[len(s.Tenants)-1].Actors[0] {
			t.Fatal("a tenant listed twice shares one memory between its two entries")
		}
	}
}
