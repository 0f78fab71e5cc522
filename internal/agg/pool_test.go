package agg

import (
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

func TestPool(t *testing.T) {
	l := mustLayout(t, "count()", "percentile(startup_ms, 0.5)", "count_distinct(cdn)", "top_k(cdn, 2)", "last(cdn)")
	p := NewPool(l, 2)
	a := p.Get()
	a.AddBatch([]event.Event{ev(1, "startup_ms", 3.0, "cdn", "x"), ev(2, "startup_ms", 4.0, "cdn", "y")})
	sketch := a.quants[0].sk
	p.Put(a)
	if p.Idle() != 1 {
		t.Fatalf("idle %d, want 1", p.Idle())
	}
	b := p.Get()
	if b != a {
		t.Fatal("Get did not reuse the idle Set")
	}
	if b.quants[0].sk != sketch {
		t.Error("the reused Set lost its sketch")
	}
	got := results(b)
	if got[0].Int() != 0 || !got[1].IsNull() || got[2].Int() != 0 || !got[3].IsNull() || !got[4].IsNull() {
		t.Errorf("reused Set is not empty: %v", got)
	}
	b.Add(&[]event.Event{ev(1, "startup_ms", 7.0, "cdn", "z")}[0])
	if got := results(b); got[0].Int() != 1 || got[2].Int() != 1 || got[3].Str() != "z:1" || got[4].Str() != "z" {
		t.Errorf("reused Set: %v", got)
	}

	// At most maxIdle Sets are kept.
	p.Put(b)
	p.Put(l.New())
	p.Put(l.New())
	if p.Idle() != 2 {
		t.Errorf("idle %d, want 2 (maxIdle)", p.Idle())
	}
	if p.Get() == nil || p.Get() == nil || p.Idle() != 0 {
		t.Error("Get did not drain the idle Sets")
	}
	if p.Get() == nil {
		t.Error("Get on an empty pool returned nil")
	}
}

func TestPoolPutOtherLayout(t *testing.T) {
	p := NewPool(mustLayout(t, "count()"), 0)
	defer func() {
		if r, _ := recover().(string); !strings.HasPrefix(r, "BUG: ") {
			t.Errorf("recovered %q, want a BUG panic", r)
		}
	}()
	p.Put(mustLayout(t, "count()").New())
}
