package connect

import (
	"maps"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/videosessions"
)

// Profile names of the generate source.
const (
	profileVideoSessions = "video_sessions"
	profileSequence      = "sequence"
)

const (
	defaultStart     = "2026-01-01T00:00:00Z"
	defaultEventRate = 100000.0
)

// profileOnly maps each profile-specific option to the profile it belongs
// to: giving one with the other profile is an error.
var profileOnly = map[string]string{
	"customers":      profileVideoSessions,
	"sessions":       profileVideoSessions,
	"heartbeat":      profileVideoSessions,
	"session_length": profileVideoSessions,
	"keys":           profileSequence,
}

func generateSpec() *component.Spec {
	return &component.Spec{
		Type:     "generate",
		Kind:     component.KindSource,
		Parallel: true,
		Doc: "Generates synthetic events, deterministic given seed: the same options give the same events, " +
			"field for field, however fast they are read. Event i has event time start + i/event_rate " +
			"(in Event.Time and the ts field); rate only paces the wall clock. " +
			"With `parallelism: n` (sequence profile only), n instances interleave the one stream: instance i " +
			"makes events i, i+n, i+2n, ... at the event times they have in it, sharing count and rate. " +
			"Profile `video_sessions` (internal/videosessions) models video quality-of-experience analytics: " +
			"`customers` Zipf-sized customers, each with about `sessions` concurrent playback sessions emitting " +
			"start, heartbeat (every `heartbeat` of play), buffering, bitrate_change and end events with their CDN, " +
			"device and country; a viewer whose video takes longer to start than they will wait (2 s plus an " +
			"exponential 4 s on average) leaves first, and that session is a lone end with no play time (about " +
			"one session in ten, more on slow devices and CDNs). Its schema, video_event: ts, event_type, " +
			"customer, session_id, viewer_id, video_id, cdn, device, country, bitrate_kbps, buffering_ms, " +
			"startup_ms, play_ms, seq. Profile `sequence`: schema sequence (id, key, value, ts), a counter " +
			"that allocates nothing, for benchmarks and tests. Options that belong to one profile are an " +
			"error with the other.",
		Options: []component.Option{
			{Name: "seed", Type: component.Int, Default: int64(1),
				Doc: "Seed of the pseudo-random generator; the same seed gives the same events."},
			{Name: "rate", Type: component.Float, Default: float64(0), HasMin: true,
				Doc: "Events per second of wall clock; 0 generates as fast as the pipeline reads. " +
					"Paced output is never early; after a stall it catches up by at most one batch and then skips the rest of the backlog " +
					"(counted as `generate_skipped_events_total`). " +
					"A paced event's creation time, from which sinks measure latency, is the time it was due, not the time it was read, " +
					"so a source that runs late shows as latency."},
			{Name: "count", Type: component.Int, Default: int64(0), HasMin: true,
				Doc: "Number of events to generate before the source is done; 0 is unbounded. A tenant whose " +
					"sources are all finite drains and finishes by itself."},
			{Name: "out_of_order_group", Type: component.Int, Default: int64(1), HasMin: true, Min: 1,
				Doc: "Shuffle the events within each group of this many (as read in one batch), keeping their " +
					"event times, so that event time arrives out of order by at most group/event_rate; pair it " +
					"with event_time.max_out_of_orderness. 1 keeps the stream in order."},
			{Name: "profile", Type: component.Enum, Default: profileVideoSessions,
				Enum: []string{profileVideoSessions, profileSequence},
				Doc:  "What to generate: video_sessions (video QoE analytics) or sequence (id, key, value, ts counter)."},
			{Name: "start", Type: component.String, Default: defaultStart,
				Doc: "Event time of the first event, as an RFC 3339 time."},
			{Name: "event_rate", Type: component.Float, HasMin: true, ExclusiveMin: true,
				Doc: "Events per second of event time: event i has time start + i/event_rate. Default: rate when rate > 0, else 100000."},
			{Name: "customers", Type: component.Int, Default: int64(20), HasMin: true, Min: 1, HasMax: true, Max: videosessions.MaxSessions,
				Doc: "video_sessions only: number of customers. Customer sizes are Zipf-skewed: cust-001 is the largest."},
			{Name: "sessions", Type: component.Int, Default: int64(50), HasMin: true, Min: 1, HasMax: true, Max: videosessions.MaxSessions,
				Doc: "video_sessions only: concurrent sessions per customer on average; the total, customers × sessions " +
					"(at most 16777216), is split Zipf-like across customers."},
			{Name: "heartbeat", Type: component.Duration, Default: 10 * time.Second, HasMin: true, Min: float64(videosessions.MinHeartbeat),
				Doc: "video_sessions only: play time between a session's heartbeats. " +
					"Durations in events (play_ms, buffering_ms, startup_ms) are on the sessions' play clock, which " +
					"matches event time when event_rate is about 1.1 × customers × sessions / heartbeat; otherwise " +
					"event time runs faster or slower than play time, in the same order."},
			{Name: "session_length", Type: component.Duration, Default: 5 * time.Minute,
				Doc: "video_sessions only: mean play time of a session, at least one heartbeat (a heartbeat when the " +
					"default is shorter); lengths are exponentially distributed above one heartbeat."},
			{Name: "keys", Type: component.Int, Default: int64(1000), HasMin: true, Min: 1,
				Doc: "sequence only: number of distinct keys, key = id % keys."},
		},
		New: newGenerate,
	}
}

// genBatch is what a profile needs to fill one batch.
type genBatch struct {
	first   int64   // generator index of the batch's first event
	stride  int64   // index distance between consecutive events (parallel instances); 0 or 1: consecutive
	created int64   // wall clock at generation, unix ns
	start   int64   // event time of event 0, unix ns
	step    float64 // event-time ns per event
}

// time returns the event time of generator event i.
func (b *genBatch) time(i int64) int64 { return b.start + int64(float64(i)*b.step) }

// profile fills batches of one generate profile. It is owned by the
// generator. One interface call per batch, none per event.
type profile interface {
	fill(out *component.Output, n int, b *genBatch)
}

// generator is the generate source instance. It is owned by one actor.
type generator struct {
	prof  profile
	count int64 // 0: unbounded
	next  int64 // index of the next event
	now   func() time.Time

	// Wall-clock pacing (rate > 0): event k is due at base + k*period.
	rate    float64
	period  float64
	base    int64
	started bool

	b    genBatch
	inst int64 // this instance's index among parallel instances

	// Out-of-order groups: events are shuffled within groups of group,
	// by a permutation drawn from seed and the group's first index.
	group int64
	seed  uint64

	// skipped counts the paced events that came due while the pipeline
	// stalled and were never generated (Read's one goroutine writes it;
	// AppendFigures reads it from any).
	skipped atomic.Int64
}

// AppendFigures appends generate_skipped_events_total (component.Figurer).
func (g *generator) AppendFigures(dst []component.Figure) []component.Figure {
	return append(dst, component.CounterOf("generate_skipped_events_total",
		"Paced events that came due while the pipeline stalled and were never generated: after a stall the source catches up by one batch, not by a burst.",
		float64(g.skipped.Load())))
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func newGenerate(ctx *component.Context) (*component.Instance, error) {
	r := component.NewReader(generateSpec(), ctx.Options)
	prof := r.String("profile")
	for _, name := range slices.Sorted(maps.Keys(profileOnly)) {
		if owner := profileOnly[name]; owner != prof && r.Given(name) {
			r.Fail(r.At(name), "applies only to profile %q, not %s", owner, diag.Quote(prof))
		}
	}
	seed := r.Int("seed")
	rate := finite(r, "rate")
	count := r.Int("count")
	startText := r.String("start")
	start, perr := time.Parse(time.RFC3339Nano, startText)
	if perr != nil {
		r.Fail(r.At("start"), "%s is not an RFC 3339 time (like %q)", diag.Quote(startText), defaultStart)
	}
	eventRate := defaultEventRate
	if rate > 0 {
		eventRate = rate
	}
	if r.Given("event_rate") {
		eventRate = finite(r, "event_rate")
	}
	group := r.Int("out_of_order_group")

	// Parallel instances (the sequence profile only) interleave: instance
	// i of P makes events i, i+P, i+2P, ... of the single stream, each at
	// the same event time it would have there, so the union is the stream
	// one instance makes. count and rate are shared out.
	par, inst := int64(max(ctx.Parallelism, 1)), int64(ctx.Instance)
	if par > 1 && prof != profileSequence {
		r.Fail(r.At("profile"), "parallelism %d: only the sequence profile runs as parallel instances, not %s", par, diag.Quote(prof))
	}
	if par > 1 {
		if count > 0 {
			count = count/par + b2i(inst < count%par)
		}
		rate /= float64(par)
	}
	g := &generator{
		count: count,
		now:   ctx.Now,
		rate:  rate,
		b:     genBatch{start: start.UnixNano(), step: 1e9 / eventRate, stride: par},
		inst:  inst,
		group: group,
		seed:  mix64(uint64(seed) ^ 0x5bd1e995),
	}
	if g.now == nil {
		g.now = time.Now
	}
	if rate > 0 {
		g.period = 1e9 / rate
	}
	var (
		schema *event.Schema
		err    error
	)
	// The profiles read their own options and build nothing once a problem
	// has been found, so that every problem is reported and none makes
	// them allocate for nothing.
	switch prof {
	case profileSequence:
		var p *sequenceProfile
		if p, err = newSequenceProfile(ctx, r, uint64(seed)); p != nil {
			g.prof, schema = p, p.schema
		}
	case profileVideoSessions:
		var p *videoProfile
		if p, err = newVideoProfile(ctx, r, uint64(seed)); p != nil {
			g.prof, schema = p, p.schema
		}
	}
	if rerr := r.Err(); rerr != nil {
		return nil, rerr
	}
	if err != nil {
		return nil, err
	}
	return &component.Instance{Source: g, Schema: schema}, nil
}

// Read appends up to limit events. Unpaced, it always fills the batch. Paced,
// it appends only the events whose wall-clock time has come, with Idle set
// to the wait for the next one (nothing when none has come). The clock is
// read once per call.
func (g *generator) Read(out *component.Output, limit int) (component.ReadResult, error) {
	if g.count > 0 && g.next >= g.count {
		return component.ReadResult{Done: true}, nil
	}
	if limit <= 0 {
		return component.ReadResult{}, nil
	}
	now := g.now().UnixNano()
	n := int64(limit)
	if g.count > 0 {
		n = min(n, g.count-g.next)
	}
	if g.rate > 0 {
		if !g.started {
			// Event next is due now (next > 0 after a restore).
			g.base, g.started = now-int64(float64(g.next)*g.period), true
		}
		due := int64(math.Floor(float64(now-g.base)/g.period)) + 1
		if due-g.next > int64(limit) {
			// More than one batch behind (the pipeline stalled): catch up
			// by one batch and skip the rest (counted), rather than
			// bursting.
			g.skipped.Add(due - g.next - int64(limit))
			due = g.next + int64(limit)
			g.base = now - int64(float64(due-1)*g.period)
		}
		if due <= g.next {
			idle := g.base + int64(math.Ceil(float64(g.next)*g.period)) - now
			return component.ReadResult{Idle: time.Duration(max(idle, 1))}, nil
		}
		n = min(n, due-g.next)
	}
	g.b.first, g.b.created = g.next*max(g.b.stride, 1)+g.inst, now
	before := out.Len()
	g.prof.fill(out, int(n), &g.b)
	if g.rate > 0 {
		// A paced event was due at its own time: stamp that, not the
		// read, so a source that is late to run shows as latency
		// downstream (no coordinated omission).
		evs := out.Events()[before:]
		for k := range evs {
			evs[k].Created = g.base + int64(math.Ceil(float64(g.next+int64(k))*g.period))
		}
	}
	if g.group > 1 {
		g.shuffle(out.Events()[before:], g.next)
	}
	g.next += n
	res := component.ReadResult{Done: g.count > 0 && g.next >= g.count}
	if g.rate > 0 && !res.Done && n < int64(limit) {
		// Caught up: say when the next event is due, so the engine does
		// not ask before.
		if idle := g.base + int64(math.Ceil(float64(g.next)*g.period)) - now; idle > 0 {
			res.Idle = time.Duration(idle)
		}
	}
	return res, nil
}

// shuffle permutes evs (events first, first+1, ...) within groups of
// g.group, each group by a Fisher-Yates shuffle seeded from the seed and the
// group's first index, so a run is reproducible for a given batch size.
// Swapping whole events keeps each slot's Fields array with its event.
func (g *generator) shuffle(evs []event.Event, first int64) {
	for lo := 0; lo < len(evs); lo += int(g.group) {
		grp := evs[lo:min(lo+int(g.group), len(evs))]
		x := mix64(g.seed ^ uint64(first+int64(lo)))
		for i := len(grp) - 1; i > 0; i-- {
			x = mix64(x)
			j := int(x % uint64(i+1))
			grp[i], grp[j] = grp[j], grp[i]
		}
	}
}

// Close releases nothing: the generator holds no resources.
func (g *generator) Close() error { return nil }
