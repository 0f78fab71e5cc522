package videoqoe

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// rawEvent is one generated event as the file sink writes it.
type rawEvent struct {
	TS          time.Time `json:"ts"`
	EventType   string    `json:"event_type"`
	Customer    string    `json:"customer"`
	SessionID   string    `json:"session_id"`
	ViewerID    string    `json:"viewer_id"`
	CDN         string    `json:"cdn"`
	Device      string    `json:"device"`
	BitrateKbps int64     `json:"bitrate_kbps"`
	BufferingMs int64     `json:"buffering_ms"`
	StartupMs   int64     `json:"startup_ms"`
	PlayMs      int64     `json:"play_ms"`
}

// session is the reference's stage 1 row: one session window of one
// session id.
type session struct {
	id, customer, cdn, device, viewer string
	first, last                       int64 // event times of its first and last events
	started                           int64 // start events
	startup                           int64 // the largest startup_ms of a start event, or -1
	play, stall                       int64 // sums of play_ms and buffering_ms
	bitrateSum, reports               int64 // sum of bitrate_kbps, events
}

// sessionize groups events (in event-time order) into session windows per
// session id as a session window with the given gap does: an event joins
// its id's open session when it comes at most gap after that session's
// last event (touching sessions are one), and otherwise closes it and opens
// a new one. A session's window ends gap after its last event.
func sessionize(events []rawEvent, gap time.Duration) []*session {
	open := map[string]*session{}
	var all []*session
	for _, e := range events {
		t := e.TS.UnixNano()
		s := open[e.SessionID]
		if s == nil || t-s.last > int64(gap) {
			s = &session{id: e.SessionID, customer: e.Customer, cdn: e.CDN, device: e.Device,
				viewer: e.ViewerID, first: t, startup: -1}
			open[e.SessionID] = s
			all = append(all, s)
		}
		s.last = t
		if e.EventType == "start" {
			s.started++
			s.startup = max(s.startup, e.StartupMs)
		}
		s.play += e.PlayMs
		s.stall += e.BufferingMs
		s.bitrateSum += e.BitrateKbps
		s.reports++
	}
	return all
}

// minuteKey is one stage 2 group: a minute of event time and a key.
type minuteKey struct {
	minute int64 // window start, unix ns
	key    string
}

// measures are the reference's stage 2 results of one group.
type measures struct {
	plays, sessions, viewers int64
	stall, play              int64
	bitrateSum, reports      int64
	startupP95               float64 // exact: sorted value at floor(0.95·(n−1)); NaN without starts
	topCDNs                  string
}

// perMinute groups the sessions by the minute of their row's event time
// (the session window's end) and by key, as a one-minute
// tumbling window keyed by key does.
func perMinute(sessions []*session, gap time.Duration, key func(*session) string) map[minuteKey]*measures {
	groups := map[minuteKey][]*session{}
	for _, s := range sessions {
		rowTime := s.last + int64(gap)
		start := rowTime - ((rowTime%int64(time.Minute))+int64(time.Minute))%int64(time.Minute)
		k := minuteKey{start, key(s)}
		groups[k] = append(groups[k], s)
	}
	out := map[minuteKey]*measures{}
	for k, ss := range groups {
		m := &measures{sessions: int64(len(ss)), startupP95: math.NaN()}
		viewers := map[string]bool{}
		cdns := map[string]int{}
		var startups []int64
		for _, s := range ss {
			m.plays += s.started
			m.stall += s.stall
			m.play += s.play
			m.bitrateSum += s.bitrateSum
			m.reports += s.reports
			viewers[s.viewer] = true
			cdns[s.cdn]++
			if s.startup >= 0 {
				startups = append(startups, s.startup)
			}
		}
		m.viewers = int64(len(viewers))
		if len(startups) > 0 {
			slices.Sort(startups)
			m.startupP95 = float64(startups[int(math.Floor(0.95*float64(len(startups)-1)))])
		}
		m.topCDNs = topTwo(cdns)
		out[k] = m
	}
	return out
}

// topTwo renders the two most frequent values as top_k(f, 2) does:
// "akamai:12,fastly:9", by descending count, ties in value order.
func topTwo(counts map[string]int) string {
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	var parts []string
	for _, n := range names[:min(2, len(names))] {
		parts = append(parts, fmt.Sprintf("%s:%d", n, counts[n]))
	}
	return strings.Join(parts, ",")
}

// rebufferPct and bitrate are the ratios of the file's aggregates, computed
// as the aggregate arithmetic does: int sums, then one float division.
func (m *measures) rebufferPct() float64 { return float64(m.stall*100) / float64(m.play) }
func (m *measures) bitrate() float64     { return float64(m.bitrateSum) / float64(m.reports) }
