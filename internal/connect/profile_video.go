package connect

import (
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/videosessions"
)

// videoProfile is the generate source's video_sessions profile: the
// videosessions simulator writing into the source's batches, with event
// times on the generator's axis.
type videoProfile struct {
	schema *event.Schema
	slots  videosessions.Slots
	width  int
	gen    *videosessions.Generator
}

// newVideoProfile reads the profile's options; it returns nil (and no
// error) when r has found a problem.
func newVideoProfile(ctx *component.Context, r *component.Reader, seed uint64) (*videoProfile, error) {
	customers, sessions := r.Int("customers"), r.Int("sessions")
	hb, length := r.Duration("heartbeat"), r.Duration("session_length")
	if total := customers * sessions; total > videosessions.MaxSessions {
		r.Fail(r.At("sessions"), "customers × sessions is %d, above the limit of %d concurrent sessions", total, videosessions.MaxSessions)
	}
	switch {
	case length >= hb:
	case r.Given("session_length"):
		r.Fail(r.At("session_length"), "must be at least one heartbeat (%v), got %v", hb, length)
	default:
		length = hb
	}
	if r.Failed() {
		return nil, nil
	}
	gen, err := videosessions.New(videosessions.Config{
		Seed: seed, Customers: int(customers), Sessions: sessions, Heartbeat: hb, SessionLength: length,
	})
	if err != nil {
		return nil, err
	}
	s, slots, err := bindSchema(ctx.Registry, event.MustSchema(ctx.Tenant, videosessions.SchemaName, videosessions.Fields()...))
	if err != nil {
		return nil, err
	}
	p := &videoProfile{schema: s, width: s.Width(), gen: gen}
	copy(p.slots[:], slots)
	return p, nil
}

// fill appends n events; it allocates only when the simulator starts a
// session.
func (p *videoProfile) fill(out *component.Output, n int, b *genBatch) {
	for k := range int64(n) {
		e := out.Next()
		ts := b.time(b.first + k)
		e.Schema, e.Time, e.Created = p.schema.ID, ts, b.created
		f := fieldsOf(e, p.width)
		if p.width != videosessions.FieldCount {
			clear(f)
		}
		p.gen.Next(f, &p.slots, ts)
	}
}
