package videosessions

import (
	"math"
	"strconv"
)

// videoSession is one simulated playback session. Times are on the
// session's play clock, in ms.
type videoSession struct {
	id, viewer, video string

	due    int64 // time of the pending event
	last   int64 // time of the previous event (creation, before start)
	nextHB int64 // time of the next heartbeat
	endAt  int64 // time of the end event
	seq    int64 // index of the pending event within the session

	customer  uint32
	startupMs int32
	stallMs   int32 // stall reported by a pending buffering event, else 0
	next      videoEvent
	cdn       uint8
	device    uint8
	country   uint8
	rung      uint8 // index in bitrateLadder
	nextRung  uint8 // rung a pending bitrate_change moves to
	maxRung   uint8
	degraded  bool // a stall happened since the last bitrate change
}

// newSession starts a new session in slot idx, created at play time t0: a
// new viewer, video, CDN, device and country, and new ids. Its first event
// is start, after the startup time — unless the startup time outlasts the
// viewer's patience: then the viewer leaves first, and the session's only
// event is an end with no play time (an exit before video start, more
// common on devices and CDNs that start slowly).
func (g *Generator) newSession(idx int32, t0 int64) {
	s := &g.sessions[idx]
	cust := s.customer
	c := &g.customers[cust]
	r := &g.r
	*s = videoSession{customer: cust}
	if r.float() < primaryCDNShare {
		s.cdn = c.primaryCDN
	} else {
		s.cdn = uint8(pickWeighted(r, cdnWeights[:]))
	}
	s.device = uint8(pickWeighted(r, deviceWeights[:]))
	if r.float() < homeCountryShare {
		s.country = c.home
	} else {
		s.country = uint8(pickWeighted(r, countryWeights[:]))
	}
	s.maxRung = deviceMaxRung[s.device]
	s.rung = min(s.maxRung, uint8(3+r.intn(3)))
	// Startup time: the device's typical time, scaled by the CDN, with a
	// long tail (a few sessions take several times longer).
	u1, u2 := r.float(), r.float()
	startup := deviceStartupMs[s.device] * cdnStartup[s.cdn] * (0.6 + 0.8*u1 + 3*math.Pow(u2, 6))
	s.startupMs = int32(max(50, startup))
	s.last = t0
	s.due = t0 + int64(s.startupMs)
	s.next = evStart
	// Length: at least one heartbeat, exponential above it, mean meanLenMs.
	extra := float64(g.meanLenMs - g.hbMs)
	s.endAt = s.due + g.hbMs + int64(-math.Log(1-r.float())*extra)
	if patience := minPatienceMs + int64(-math.Log(1-r.float())*meanExtraPatienceMs); patience < int64(s.startupMs) {
		s.due, s.endAt, s.next = t0+patience, t0+patience, evEnd
	}
	g.makeIDs(s, c)
}

// makeIDs sets the session's ids, all three in one allocation. Session ids
// are unique within a run (a bijection of the session counter); viewers and
// videos repeat across sessions, videos with Zipf-like popularity.
func (g *Generator) makeIDs(s *videoSession, c *videoCustomer) {
	g.created++
	b := appendHex(g.idbuf[:0], mix64(g.created^g.seedMix), 16)
	nSession := len(b)
	viewer := uint64(s.customer)<<40 | uint64(g.r.intn(c.viewers))
	b = append(b, "v-"...)
	b = appendHex(b, mix64(viewer^g.seedMix), 12)
	nViewer := len(b)
	video := int64(math.Pow(videoCatalog, g.r.float())) - 1
	b = append(b, "vid-"...)
	b = appendPadded(b, int64(c.num), 3)
	b = append(b, '-')
	b = appendPadded(b, video, 4)
	g.idbuf = b
	all := string(b)
	s.id, s.viewer, s.video = all[:nSession], all[nSession:nViewer], all[nViewer:]
}

// advance moves the session past the event just emitted and schedules its
// next one (or replaces it by a new session after end).
func (g *Generator) advance(idx int32, s *videoSession) {
	s.seq++
	s.last = s.due
	switch s.next {
	case evStart:
		s.nextHB = s.due + g.hbMs
	case evHeartbeat:
		s.nextHB += g.hbMs
	case evBuffering:
		s.degraded = true
	case evBitrateChange:
		s.degraded = false
	case evEnd:
		g.newSession(idx, s.due+g.r.intn(g.hbMs))
		return
	}
	g.plan(s)
}

// plan picks the session's next event after s.last: possibly a buffering
// stall or a bitrate change before the next heartbeat (or end), else that
// heartbeat or end. A stall is reported when it ends, by a buffering event
// whose play_ms excludes the stall.
func (g *Generator) plan(s *videoSession) {
	horizon, kind := s.nextHB, evHeartbeat
	if s.endAt <= horizon {
		horizon, kind = s.endAt, evEnd
	}
	s.stallMs = 0
	if span := horizon - s.last; span > 2 {
		r := &g.r
		u := r.float()
		pBuf := g.buffering[s.cdn][s.device]
		pRate := bitrateChangeProb
		if s.degraded {
			pRate = degradedBitrateProb
		}
		switch {
		case u < pBuf:
			stall := minStallMs + int64(maxExtraStallMs*math.Pow(r.float(), 3))
			if stall < span-1 {
				s.due = s.last + 1 + stall + r.intn(span-1-stall)
				s.stallMs = int32(stall)
				s.next = evBuffering
				return
			}
		case u < pBuf+pRate:
			s.due = s.last + 1 + r.intn(span-1)
			s.next = evBitrateChange
			s.nextRung = g.shiftRung(s)
			return
		}
	}
	s.due, s.next = horizon, kind
}

// shiftRung picks the rung of a bitrate change: down after a stall, else up
// more often than down, within the device's ladder.
func (g *Generator) shiftRung(s *videoSession) uint8 {
	switch {
	case s.degraded && s.rung > 0:
		return s.rung - 1
	case s.rung == 0:
		return 1
	case s.rung < s.maxRung && g.r.float() < 0.6:
		return s.rung + 1
	}
	return s.rung - 1
}

const hexDigits = "0123456789abcdef"

// appendHex appends the low 4×digits bits of v as lowercase hex.
func appendHex(b []byte, v uint64, digits int) []byte {
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(4*uint(i)))&0xf])
	}
	return b
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(b []byte, v int64, width int) []byte {
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}
