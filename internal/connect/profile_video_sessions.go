package connect

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// minVideoHeartbeat bounds the heartbeat option from below.
const minVideoHeartbeat = 10 * time.Millisecond

// Slots of the video_event schema's fields, in declaration order.
const (
	vTs = iota
	vEventType
	vCustomer
	vSessionID
	vViewerID
	vVideoID
	vCDN
	vDevice
	vCountry
	vBitrate
	vBuffering
	vStartup
	vPlay
	vSeq
	vFieldCount
)

var videoFields = [vFieldCount]event.Field{
	{Name: "ts", Kind: event.Time, Required: true},
	{Name: "event_type", Kind: event.String, Required: true},
	{Name: "customer", Kind: event.String, Required: true},
	{Name: "session_id", Kind: event.String, Required: true},
	{Name: "viewer_id", Kind: event.String, Required: true},
	{Name: "video_id", Kind: event.String, Required: true},
	{Name: "cdn", Kind: event.String, Required: true},
	{Name: "device", Kind: event.String, Required: true},
	{Name: "country", Kind: event.String, Required: true},
	{Name: "bitrate_kbps", Kind: event.Int, Required: true},
	{Name: "buffering_ms", Kind: event.Int, Required: true},
	{Name: "startup_ms", Kind: event.Int, Required: true},
	{Name: "play_ms", Kind: event.Int, Required: true},
	{Name: "seq", Kind: event.Int, Required: true},
}

// videoCustomer is one simulated customer (a streaming service).
type videoCustomer struct {
	name       string // "cust-007"
	num        int
	primaryCDN uint8
	home       uint8 // country index
	viewers    int64 // viewer population
}

// videoProfile simulates customers × sessions concurrent playback sessions.
//
// Each session runs on its own play clock (ms): start after the startup
// time, a heartbeat every heartbeat of play, buffering stalls and bitrate
// changes in between, and end after an exponentially distributed length,
// when a new session (new ids) takes its slot. A min-heap merges the
// sessions in play-clock order, so the stream interleaves them faithfully
// and play_ms, buffering_ms and startup_ms are consistent within each
// session. The stream's ts is the generator's event-time axis (start +
// i/event_rate); it matches the play clock when event_rate is about
// 1.1 × customers × sessions / heartbeat, and otherwise runs faster or
// slower than it, preserving order.
//
// Per event it allocates nothing; creating a session allocates its three id
// strings in one allocation, once per session (tens of events).
type videoProfile struct {
	schema *event.Schema
	slots  [vFieldCount]int
	width  int

	r         rng
	seedMix   uint64
	hbMs      int64
	meanLenMs int64
	buffering [len(cdnNames)][len(deviceNames)]float64

	customers []videoCustomer
	sessions  []videoSession
	q         schedHeap
	created   uint64 // sessions created so far; numbers session ids
	idbuf     []byte
}

// newVideoProfile reads the profile's options; it returns nil (and no
// error) when r has found a problem.
func newVideoProfile(ctx *component.Context, r *component.Reader, seed uint64) (*videoProfile, error) {
	customers, sessions := r.Int("customers"), r.Int("sessions")
	hb, length := r.Duration("heartbeat"), r.Duration("session_length")
	if total := customers * sessions; total > maxVideoSessions {
		r.Fail(r.At("sessions"), "customers × sessions is %d, above the limit of %d concurrent sessions", total, maxVideoSessions)
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
	s, slots, err := bindSchema(ctx.Registry, event.MustSchema(ctx.Tenant, "video_event", videoFields[:]...))
	if err != nil {
		return nil, err
	}
	p := &videoProfile{
		schema:    s,
		width:     s.Width(),
		r:         rng{s: seed},
		seedMix:   mix64(seed ^ 0x5bd1e995),
		hbMs:      hb.Milliseconds(),
		meanLenMs: length.Milliseconds(),
		buffering: bufferingMatrix(),
	}
	copy(p.slots[:], slots)
	p.initSessions(int(customers), sessions)
	return p, nil
}

// initSessions splits customers × perCustomer session slots over the
// customers with Zipf weights 1/rank (each customer gets at least one) and
// starts every slot's first session at a random point of the first
// heartbeat interval, so heartbeats are spread evenly from the start.
func (p *videoProfile) initSessions(customers int, perCustomer int64) {
	total := float64(customers) * float64(perCustomer)
	var norm float64
	for c := range customers {
		norm += 1 / float64(c+1)
	}
	width := max(3, len(strconv.Itoa(customers)))
	p.customers = make([]videoCustomer, customers)
	n := 0
	counts := make([]int, customers)
	for c := range customers {
		counts[c] = max(1, int(math.Round(total/float64(c+1)/norm)))
		n += counts[c]
		p.customers[c] = videoCustomer{
			name:       fmt.Sprintf("cust-%0*d", width, c+1),
			num:        c + 1,
			primaryCDN: uint8(pickWeighted(&p.r, cdnWeights[:])),
			home:       uint8(pickWeighted(&p.r, countryWeights[:])),
			viewers:    int64(counts[c]) * viewersPerSession,
		}
	}
	p.sessions = make([]videoSession, 0, n)
	p.q.h = make([]schedEntry, 0, n)
	for c, k := range counts {
		for range k {
			p.sessions = append(p.sessions, videoSession{customer: uint32(c)})
		}
	}
	for i := range p.sessions {
		p.newSession(int32(i), p.r.intn(p.hbMs))
		p.q.push(schedEntry{due: p.sessions[i].due, idx: int32(i)})
	}
}

func (p *videoProfile) fill(out *component.Output, n int, b *genBatch) {
	for k := range int64(n) {
		idx := p.q.top().idx
		s := &p.sessions[idx]
		p.emit(out.Next(), s, b.time(b.first+k), b.created)
		p.advance(idx, s)
		p.q.retop(s.due)
	}
}

// emit writes the session's pending event into e.
func (p *videoProfile) emit(e *event.Event, s *videoSession, ts, created int64) {
	e.Schema, e.Time, e.Created = p.schema.ID, ts, created
	f := fieldsOf(e, p.width)
	if p.width != vFieldCount {
		clear(f)
	}
	ev := s.next
	play, startup, stall := s.due-s.last-int64(s.stallMs), int64(0), int64(0)
	switch ev {
	case evStart:
		play, startup = 0, int64(s.startupMs)
	case evEnd:
		if s.seq == 0 {
			play = 0 // left before the video started
		}
	case evBuffering:
		stall = int64(s.stallMs)
	case evBitrateChange:
		s.rung = s.nextRung
	}
	c := &p.customers[s.customer]
	sl := &p.slots
	f[sl[vTs]] = event.TimeValue(ts)
	f[sl[vEventType]] = event.StringValue(videoEventNames[ev])
	f[sl[vCustomer]] = event.StringValue(c.name)
	f[sl[vSessionID]] = event.StringValue(s.id)
	f[sl[vViewerID]] = event.StringValue(s.viewer)
	f[sl[vVideoID]] = event.StringValue(s.video)
	f[sl[vCDN]] = event.StringValue(cdnNames[s.cdn])
	f[sl[vDevice]] = event.StringValue(deviceNames[s.device])
	f[sl[vCountry]] = event.StringValue(countryNames[s.country])
	f[sl[vBitrate]] = event.IntValue(int64(bitrateLadder[s.rung]))
	f[sl[vBuffering]] = event.IntValue(stall)
	f[sl[vStartup]] = event.IntValue(startup)
	f[sl[vPlay]] = event.IntValue(play)
	f[sl[vSeq]] = event.IntValue(s.seq)
}
