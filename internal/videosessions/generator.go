package videosessions

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/greenwave/greenwave/internal/event"
)

// Bounds of a Config.
const (
	// MinHeartbeat is the shortest heartbeat.
	MinHeartbeat = 10 * time.Millisecond
	// MaxSessions bounds Customers × Sessions, the concurrent sessions.
	MaxSessions = 1 << 24
)

// Config describes a simulation. Every field is required; New checks them.
type Config struct {
	// Seed of the pseudo-random numbers.
	Seed uint64
	// Customers is the number of customers (at least 1).
	Customers int
	// Sessions is the mean number of concurrent sessions per customer (at
	// least 1); the Customers × Sessions slots are split Zipf-like.
	Sessions int64
	// Heartbeat is the play time between a session's heartbeats (at least
	// MinHeartbeat).
	Heartbeat time.Duration
	// SessionLength is the mean play time of a session (at least one
	// Heartbeat).
	SessionLength time.Duration
}

// videoCustomer is one simulated customer (a streaming service).
type videoCustomer struct {
	name       string // "cust-007"
	num        int
	primaryCDN uint8
	home       uint8 // country index
	viewers    int64 // viewer population
}

// Generator simulates Customers × Sessions concurrent playback sessions.
//
// Each session runs on its own play clock (ms): start after the startup
// time, a heartbeat every heartbeat of play, buffering stalls and bitrate
// changes in between, and end after an exponentially distributed length,
// when a new session (new ids) takes its slot. A min-heap merges the
// sessions in play-clock order, so the stream interleaves them faithfully
// and play_ms, buffering_ms and startup_ms are consistent within each
// session. The ts of each event is the caller's: it matches the play clock
// when events are spaced by about Heartbeat / (1.1 × Customers × Sessions),
// and otherwise runs faster or slower than it, preserving order.
//
// Per event it allocates nothing; creating a session allocates its three id
// strings in one allocation, once per session (tens of events).
type Generator struct {
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

// New returns a Generator for cfg, or an error naming the field of cfg
// that is out of bounds.
func New(cfg Config) (*Generator, error) {
	switch {
	case cfg.Customers < 1 || cfg.Customers > MaxSessions:
		return nil, fmt.Errorf("customers must be between 1 and %d, got %d", MaxSessions, cfg.Customers)
	case cfg.Sessions < 1 || int64(cfg.Customers)*cfg.Sessions > MaxSessions:
		return nil, fmt.Errorf("customers × sessions must be between 1 and %d, got %d", MaxSessions, int64(cfg.Customers)*cfg.Sessions)
	case cfg.Heartbeat < MinHeartbeat:
		return nil, fmt.Errorf("heartbeat must be at least %v, got %v", MinHeartbeat, cfg.Heartbeat)
	case cfg.SessionLength < cfg.Heartbeat:
		return nil, fmt.Errorf("session length must be at least one heartbeat (%v), got %v", cfg.Heartbeat, cfg.SessionLength)
	}
	g := &Generator{
		r:         rng{s: cfg.Seed},
		seedMix:   mix64(cfg.Seed ^ 0x5bd1e995),
		hbMs:      cfg.Heartbeat.Milliseconds(),
		meanLenMs: cfg.SessionLength.Milliseconds(),
		buffering: bufferingMatrix(),
	}
	g.initSessions(cfg.Customers, cfg.Sessions)
	return g, nil
}

// initSessions splits customers × perCustomer session slots over the
// customers with Zipf weights 1/rank (each customer gets at least one) and
// starts every slot's first session at a random point of the first
// heartbeat interval, so heartbeats are spread evenly from the start.
func (g *Generator) initSessions(customers int, perCustomer int64) {
	total := float64(customers) * float64(perCustomer)
	var norm float64
	for c := range customers {
		norm += 1 / float64(c+1)
	}
	width := max(3, len(strconv.Itoa(customers)))
	g.customers = make([]videoCustomer, customers)
	n := 0
	counts := make([]int, customers)
	for c := range customers {
		counts[c] = max(1, int(math.Round(total/float64(c+1)/norm)))
		n += counts[c]
		g.customers[c] = videoCustomer{
			name:       fmt.Sprintf("cust-%0*d", width, c+1),
			num:        c + 1,
			primaryCDN: uint8(pickWeighted(&g.r, cdnWeights[:])),
			home:       uint8(pickWeighted(&g.r, countryWeights[:])),
			viewers:    int64(counts[c]) * viewersPerSession,
		}
	}
	g.sessions = make([]videoSession, 0, n)
	g.q.h = make([]schedEntry, 0, n)
	for c, k := range counts {
		for range k {
			g.sessions = append(g.sessions, videoSession{customer: uint32(c)})
		}
	}
	for i := range g.sessions {
		g.newSession(int32(i), g.r.intn(g.hbMs))
		g.q.push(schedEntry{due: g.sessions[i].due, idx: int32(i)})
	}
}

// Next writes the next event into f, at the slots slots gives, with event
// time ts, and advances the simulation. f must be at least as long as the
// largest slot; other values of f are left as they are.
func (g *Generator) Next(f []event.Value, slots *Slots, ts int64) {
	idx := g.q.top().idx
	s := &g.sessions[idx]
	g.emit(f, slots, s, ts)
	g.advance(idx, s)
	g.q.retop(s.due)
}

// emit writes the session's pending event into f.
func (g *Generator) emit(f []event.Value, sl *Slots, s *videoSession, ts int64) {
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
	c := &g.customers[s.customer]
	f[sl[fTs]] = event.TimeValue(ts)
	f[sl[fEventType]] = event.StringValue(videoEventNames[ev])
	f[sl[fCustomer]] = event.StringValue(c.name)
	f[sl[fSessionID]] = event.StringValue(s.id)
	f[sl[fViewerID]] = event.StringValue(s.viewer)
	f[sl[fVideoID]] = event.StringValue(s.video)
	f[sl[fCDN]] = event.StringValue(cdnNames[s.cdn])
	f[sl[fDevice]] = event.StringValue(deviceNames[s.device])
	f[sl[fCountry]] = event.StringValue(countryNames[s.country])
	f[sl[fBitrate]] = event.IntValue(int64(bitrateLadder[s.rung]))
	f[sl[fBuffering]] = event.IntValue(stall)
	f[sl[fStartup]] = event.IntValue(startup)
	f[sl[fPlay]] = event.IntValue(play)
	f[sl[fSeq]] = event.IntValue(s.seq)
}
