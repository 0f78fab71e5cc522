package ops

import (
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// KeyBySpec returns the spec of the key_by transform.
func KeyBySpec() *component.Spec {
	return &component.Spec{
		Type: "key_by",
		Kind: component.KindTransform,
		Doc: "Sets each event's partition key to the hash of the `key` fields' values, so that " +
			"downstream keyed operators without a `key:` of their own partition and group by it. " +
			"Events with equal values in those fields get equal keys; a missing field hashes as null. " +
			"The output has the input's schema; only the key changes.",
		Options: []component.Option{{
			Name:     "key",
			Type:     component.StringList,
			Required: true,
			Doc:      "The fields whose values form the key, in order (a single name is a list of one).",
		}},
		Stateless: true,
		KeyOption: "key",
		MaxInputs: 1,
		New:       newKeyBy,
	}
}

func newKeyBy(ctx *component.Context) (*component.Instance, error) {
	in, err := input(ctx)
	if err != nil {
		return nil, err
	}
	names := component.NewReader(KeyBySpec(), ctx.Options).StringList("key")
	if len(names) == 0 {
		return nil, component.OptErr("key", "needs at least one field")
	}
	slots, err := resolve("key", in, names)
	if err != nil {
		return nil, err
	}
	return &component.Instance{Operator: &keyBy{slots: slots}, Schema: in}, nil
}

// keyBy sets Event.Key from the key fields, unless told that the next
// stage of its fused chain does not read it (skip).
type keyBy struct {
	slots []int
	skip  bool
}

// SkipKey implements component.KeySetter.
func (k *keyBy) SkipKey() { k.skip = true }

// hashKey chains Value.Hash over the fields in slots, starting from 0; count
// computes the same hash for its output rows.
func hashKey(e *event.Event, slots []int) uint64 {
	var h uint64
	for _, s := range slots {
		h = e.Get(s).Hash(h)
	}
	return h
}

// Apply sets the key of every event in place; all events are kept.
func (k *keyBy) Apply(in []event.Event) ([]event.Event, error) {
	if k.skip {
		return in, nil
	}
	for i := range in {
		in[i].Key = hashKey(&in[i], k.slots)
	}
	return in, nil
}

// Process copies each event into out with its key set.
func (k *keyBy) Process(_ int, in []event.Event, out *component.Output) error {
	for i := range in {
		o := out.Next()
		o.CopyFrom(&in[i])
		if !k.skip {
			o.Key = hashKey(o, k.slots)
		}
	}
	return nil
}

// Flush has nothing to emit: key_by keeps no state.
func (k *keyBy) Flush(*component.Output) error { return nil }
