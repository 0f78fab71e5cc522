package ops

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/expr"
)

func TestFilter(t *testing.T) {
	cases := []struct {
		name      string
		condition string
		in, want  [][]event.Event
	}{
		{
			name:      "errors on the cdn",
			condition: `status >= 500 and host == "cdn"`,
			in: [][]event.Event{
				{logEvent("cdn", 200), logEvent("cdn", 503), logEvent("origin", 500), logEvent("cdn", 500)},
				{logEvent("origin", 200)},
				{},
			},
			want: [][]event.Event{
				{logEvent("cdn", 503), logEvent("cdn", 500)},
				nil,
				nil,
			},
		},
		{
			name:      "null condition counts as false",
			condition: `bytes > 100 or status == 404`,
			in: [][]event.Event{{
				logEvent("a", 200, i64(50)),
				logEvent("b", 200), // bytes missing: null > 100 is null
				logEvent("c", 404), // null or true is true
				logEvent("d", 200, i64(150)),
			}},
			want: [][]event.Event{{logEvent("c", 404), logEvent("d", 200, i64(150))}},
		},
		{
			name:      "missing field tested with nil",
			condition: `bytes == nil`,
			in:        [][]event.Event{{logEvent("a", 200, i64(1)), logEvent("b", 200), logEvent("c", 200, nullV)}},
			want:      [][]event.Event{{logEvent("b", 200), logEvent("c", 200, nullV)}},
		},
		{
			name:      "expression on the fallback VM",
			condition: `ts.Year() == 2024`,
			in: [][]event.Event{{
				logEvent("a", 1, i64(0), f64(0), boolV(true), tm(t0.UnixNano())),
				logEvent("b", 1, i64(0), f64(0), boolV(true), tm(0)),
			}},
			want: [][]event.Event{{logEvent("a", 1, i64(0), f64(0), boolV(true), tm(t0.UnixNano()))}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := newCtx(t, "keep", map[string]any{"condition": c.condition})
			inst := build(t, FilterSpec(), ctx)
			if inst.Schema != ctx.Inputs[0] {
				t.Fatalf("output schema %v, want the input's", inst.Schema)
			}
			want := append(c.want, nil) // nothing at Flush
			expectBatches(t, "Process", runProcess(t, inst.Operator, c.in), want)
			expectBatches(t, "Apply", runApply(t, build(t, FilterSpec(), ctx).Operator, c.in), want)
		})
	}
}

// TestFilterApplyKeepsArraysUnique: compaction moves events by swapping, so
// after Apply every event of the batch still owns a distinct Fields array
// and none is lost (ring slots keep their arrays).
func TestFilterApplyKeepsArraysUnique(t *testing.T) {
	inst := build(t, FilterSpec(), newCtx(t, "keep", map[string]any{"condition": `status != 200`}))
	batch := []event.Event{logEvent("a", 200), logEvent("b", 500), logEvent("c", 200), logEvent("d", 404)}
	before := map[*event.Value]bool{}
	for i := range batch {
		before[&batch[i].Fields[0]] = true
	}
	kept, err := inst.Operator.(component.InPlace).Apply(batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || kept[0].Fields[0].S != "b" || kept[1].Fields[0].S != "d" {
		t.Fatalf("kept %s", format([][]event.Event{kept}))
	}
	after := map[*event.Value]bool{}
	for i := range batch {
		after[&batch[i].Fields[0]] = true
	}
	if len(after) != len(before) {
		t.Fatalf("%d distinct Fields arrays after Apply, %d before", len(after), len(before))
	}
	for p := range after {
		if !before[p] {
			t.Fatal("Apply replaced a Fields array")
		}
	}
}

func TestFilterOptionErrors(t *testing.T) {
	cases := []struct {
		condition string
		msg       string
		col       int
	}{
		{`stauts >= 500`, `option "condition": unknown field "stauts" (did you mean "status"?)`, 1},
		{`status == "cdn"`, `option "condition": cannot compare int field "status" with string "cdn"`, 8},
		{`bytes * 2`, `option "condition": expression must be bool, got int`, 1},
		{`host matches "("`, "option \"condition\": invalid regular expression \"(\": error parsing regexp: missing closing ): `(`", 14},
	}
	for _, c := range cases {
		t.Run(c.condition, func(t *testing.T) {
			ctx := newCtx(t, "keep", map[string]any{"condition": c.condition})
			ctx.Validating = true
			_, err := FilterSpec().New(ctx)
			if err == nil || err.Error() != c.msg {
				t.Fatalf("error %v\nwant   %s", err, c.msg)
			}
			var oe *component.OptionError
			var ee *expr.Error
			if !errors.As(err, &oe) || oe.Path.String() != "condition" || !errors.As(err, &ee) || ee.Col != c.col {
				t.Fatalf("error %#v: want an OptionError for condition wrapping an *expr.Error at column %d", err, c.col)
			}
		})
	}
}

func TestFilterDoesNotAllocate(t *testing.T) {
	inst := build(t, FilterSpec(), newCtx(t, "keep", map[string]any{"condition": `status >= 500 and host in ["cdn", "edge"]`}))
	batch := make([]event.Event, 256)
	for i := range batch {
		batch[i] = logEvent([]string{"cdn", "edge", "origin"}[i%3], int64(200+i%400), i64(int64(i)))
	}
	var out component.Output
	process := func() {
		out.Reset()
		if err := inst.Operator.Process(0, batch, &out); err != nil {
			t.Fatal(err)
		}
	}
	process() // warm the output's event slots
	if n := testing.AllocsPerRun(20, process); n != 0 {
		t.Errorf("Process: %.1f allocations per batch of %d", n, len(batch))
	}
	ip := inst.Operator.(component.InPlace)
	if n := testing.AllocsPerRun(20, func() { ip.Apply(batch) }); n != 0 {
		t.Errorf("Apply: %.1f allocations per batch of %d", n, len(batch))
	}
}

// TestFilterApplyMatchesProcess: over batches larger than a compaction
// chunk, of random sizes, Apply keeps what Process emits, in order, and
// the batch keeps every Fields array it had.
func TestFilterApplyMatchesProcess(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, cond := range []string{`status % 4 != 0`, `status >= 300 and host == "cdn"`, `lower(host) == "cdn" or bytes == nil`} {
		ctx := newCtx(t, "keep", map[string]any{"condition": cond})
		inst := build(t, FilterSpec(), ctx)
		for _, size := range []int{0, 1, 63, 64, 65, 200, 1000} {
			batch := make([]event.Event, size)
			for i := range batch {
				batch[i] = logEvent([]string{"cdn", "CDN", "edge"}[r.IntN(3)], int64(200+r.IntN(400)))
				if r.IntN(3) > 0 {
					batch[i].Fields = append(batch[i].Fields, i64(int64(i)))
				}
			}
			want := runProcess(t, inst.Operator, [][]event.Event{batch})[0]
			arrays := map[*event.Value]bool{}
			for i := range batch {
				arrays[unsafe.SliceData(batch[i].Fields)] = true
			}
			kept, err := inst.Operator.(component.InPlace).Apply(batch)
			if err != nil {
				t.Fatal(err)
			}
			expectBatches(t, fmt.Sprintf("%s, batch of %d", cond, size), [][]event.Event{kept}, [][]event.Event{want})
			for i := range batch {
				delete(arrays, unsafe.SliceData(batch[i].Fields))
			}
			if len(arrays) != 0 {
				t.Fatalf("%s, batch of %d: %d Fields arrays lost or shared after Apply", cond, size, len(arrays))
			}
		}
	}
}
