package expr

import (
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/greenwave/greenwave/internal/event"
)

// benchEvents is a batch of events with varied values, so branches are not
// all predicted the same way.
func benchEvents() []event.Event {
	hosts := []string{"cdn", "origin", "edge", "cdn"}
	evs := make([]event.Event, 1024)
	for i := range evs {
		evs[i] = testEvent()
		evs[i].Fields[1] = event.IntValue(int64(i % 97))
		evs[i].Fields[2] = event.FloatValue(float64(i) / 7)
		evs[i].Fields[5] = event.StringValue(hosts[i%len(hosts)])
		evs[i].Fields[6] = event.IntValue(int64(200 + (i*37)%400))
	}
	return evs
}

// goEnv converts an event to the map environment a naive expr-lang
// integration builds per event.
func goEnv(env map[string]any, e *event.Event) {
	for slot, f := range testSchema.Fields {
		env[f.Name] = goValue(e.Get(slot), f.Kind)
	}
}

func benchPaths(b *testing.B, src string, want event.Kind) {
	evs := benchEvents()
	native := mustCompile(b, src, want)
	if !native.Native() {
		b.Fatalf("%q is not native", src)
	}
	fb, err := compileFallback(src, testSchema, native.Kind(), &config{now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	sample := map[string]any{}
	for _, f := range testSchema.Fields {
		sample[f.Name] = goZero(f.Kind)
	}
	prog, err := expr.Compile(src, expr.Env(sample))
	if err != nil {
		b.Fatal(err)
	}
	perEvent := func(b *testing.B, eval func(e *event.Event)) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			eval(&evs[i%len(evs)])
		}
	}
	var sink event.Value
	b.Run("native", func(b *testing.B) {
		perEvent(b, func(e *event.Event) { sink = native.Value(e) })
	})
	b.Run("fallback", func(b *testing.B) {
		perEvent(b, func(e *event.Event) { sink = fb.Value(e) })
	})
	b.Run("exprlang-new-map", func(b *testing.B) {
		// The naive integration: a fresh map[string]any of every field per
		// event, run with expr.Run.
		perEvent(b, func(e *event.Event) {
			env := make(map[string]any, testSchema.Width())
			goEnv(env, e)
			out, _ := expr.Run(prog, env)
			sink = toValue(out, native.Kind())
		})
	})
	b.Run("exprlang-reused-map", func(b *testing.B) {
		// expr-lang's best case with a map env: one map and one VM reused.
		env := make(map[string]any, testSchema.Width())
		var machine vm.VM
		perEvent(b, func(e *event.Event) {
			goEnv(env, e)
			out, _ := machine.Run(prog, env)
			sink = toValue(out, native.Kind())
		})
	})
	_ = sink
}

// BenchmarkFilter: a typical filter condition.
func BenchmarkFilter(b *testing.B) {
	benchPaths(b, `status >= 500 and host == "cdn"`, event.Bool)
}

// BenchmarkArith: a numeric map expression.
func BenchmarkArith(b *testing.B) {
	benchPaths(b, `i * 8 + f / 2 - (n ?? 1)`, event.Null)
}

// BenchmarkSet: membership in a set of strings.
func BenchmarkSet(b *testing.B) {
	benchPaths(b, `host in ["cdn", "edge", "a", "b", "c", "d", "e", "f", "g"] and status != 503`, event.Bool)
}
