package engine

import (
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

type passOp struct{}

func (passOp) Process(_ int, in []event.Event, out *component.Output) error {
	for i := range in {
		out.Emit(&in[i])
	}
	return nil
}
func (passOp) Flush(*component.Output) error { return nil }

type keySetterOp struct {
	passOp
	skipped bool
}

func (k *keySetterOp) SkipKey() { k.skipped = true }

type keyReaderOp struct {
	passOp
	reads bool
}

func (k keyReaderOp) ReadsKey() bool { return k.reads }

// TestSkipUnreadKeys: a key setter is told to skip only when the next
// stage of the chain says it does not read the key; not before a stage
// that reads it or does not say, and not at the end of the chain, whose
// key goes to the output routes.
func TestSkipUnreadKeys(t *testing.T) {
	for _, c := range []struct {
		name string
		next component.Operator // nil: the setter is the chain's last stage
		want bool
	}{
		{"before a stage that does not read the key", keyReaderOp{reads: false}, true},
		{"before a stage that reads it", keyReaderOp{reads: true}, false},
		{"before a stage that does not say", passOp{}, false},
		{"at the end of the chain", nil, false},
	} {
		ks := &keySetterOp{}
		stages := []*stage{{op: passOp{}}, {op: ks}}
		if c.next != nil {
			stages = append(stages, &stage{op: c.next})
		}
		skipUnreadKeys(stages)
		if ks.skipped != c.want {
			t.Errorf("%s: skipped %v, want %v", c.name, ks.skipped, c.want)
		}
	}
}
