package connect

import (
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

func TestBlackholeCounts(t *testing.T) {
	ctx, _ := newCtx(t, "null", nil)
	inst := mustNew(t, blackholeSpec(), ctx)
	for _, n := range []int{3, 0, 1000} {
		if err := inst.Operator.Process(0, make([]event.Event, n), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := inst.Operator.Flush(nil); err != nil {
		t.Fatal(err)
	}
	if got := inst.Operator.(*Blackhole).Count(); got != 1003 {
		t.Errorf("Count() = %d, want 1003", got)
	}
}
