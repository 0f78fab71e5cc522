package connect

import (
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// sequenceValueRange bounds the value field, so sums over many events stay
// far from int64 overflow.
const sequenceValueRange = 1_000_000

// Slots of the sequence schema's fields, in declaration order.
const (
	seqID = iota
	seqKey
	seqValue
	seqTs
	seqFieldCount
)

var sequenceFields = [seqFieldCount]event.Field{
	{Name: "id", Kind: event.Int, Required: true},
	{Name: "key", Kind: event.Int, Required: true},
	{Name: "value", Kind: event.Int, Required: true},
	{Name: "ts", Kind: event.Time, Required: true},
}

// sequenceProfile emits id = 0, 1, 2, ...; key = id % keys; value a
// pseudo-random int in [0, 1000000) that depends only on seed and id; ts the
// event time. It allocates nothing per event once the output's slots have
// their Fields arrays.
type sequenceProfile struct {
	schema *event.Schema
	slots  [seqFieldCount]int
	width  int
	keys   int64
	seed   uint64
	// direct is set when the schema holds exactly the sequence fields in
	// their declared order, so fill writes slots 0 to 3 with no lookup and
	// nothing to clear.
	direct bool
}

// newSequenceProfile reads the profile's options; it returns nil (and no
// error) when r has found a problem.
func newSequenceProfile(ctx *component.Context, r *component.Reader, seed uint64) (*sequenceProfile, error) {
	keys := r.Int("keys")
	if r.Failed() {
		return nil, nil
	}
	s, slots, err := bindSchema(ctx.Registry, event.MustSchema(ctx.Tenant, "sequence", sequenceFields[:]...))
	if err != nil {
		return nil, err
	}
	p := &sequenceProfile{schema: s, width: s.Width(), keys: keys, seed: mix64(seed)}
	copy(p.slots[:], slots)
	p.direct = p.width == seqFieldCount
	for i, slot := range p.slots {
		p.direct = p.direct && slot == i
	}
	return p, nil
}

// fill appends n events. The key runs as a counter rather than as id %
// keys (a division per event), and the schema's slots are written directly
// when they are the declared ones.
func (p *sequenceProfile) fill(out *component.Output, n int, b *genBatch) {
	id, width := p.schema.ID, p.width
	stride := max(b.stride, 1)
	key, keyStep := b.first%p.keys, stride%p.keys
	for k := range int64(n) {
		i := b.first + k*stride
		ts := b.time(i)
		value := int64(mix64(p.seed^uint64(i)) % sequenceValueRange)
		e := out.Next()
		e.Schema, e.Time, e.Created = id, ts, b.created
		f := fieldsOf(e, width)
		if p.direct {
			f = f[:seqFieldCount]
			f[seqID] = event.IntValue(i)
			f[seqKey] = event.IntValue(key)
			f[seqValue] = event.IntValue(value)
			f[seqTs] = event.TimeValue(ts)
		} else {
			clear(f)
			f[p.slots[seqID]] = event.IntValue(i)
			f[p.slots[seqKey]] = event.IntValue(key)
			f[p.slots[seqValue]] = event.IntValue(value)
			f[p.slots[seqTs]] = event.TimeValue(ts)
		}
		if key += keyStep; key >= p.keys {
			key -= p.keys
		}
	}
}
