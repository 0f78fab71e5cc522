package connect

import (
	"fmt"
	"strconv"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// httpBatch is one request: a batch of events and its delivery state. The
// actor fills it; once sealed it belongs to the dispatcher, then to the one
// attempt in flight at a time, so it needs no lock.
type httpBatch struct {
	key      string // Idempotency-Key, the same for every attempt
	lines    []byte // the events as JSON lines
	body     []byte // what is sent: lines, or the JSON array form
	events   int
	attempts int
}

// bodyLen is the body's length for the format when the batch holds lines.
func (s *httpSink) bodyLen(lines int) int {
	if s.format == httpFormatArray {
		return lines + 1 // '[' and ']' for the first newline, ',' for the others
	}
	return lines
}

// Process adds each event to the batch being filled, sealing it when it
// reaches batch.max_events or an event would take it past max_bytes. An
// event larger than max_bytes alone goes to on_error.
func (s *httpSink) Process(_ int, in []event.Event, _ *component.Output) error {
	for i := range in {
		var err error
		if s.line, err = s.lf.append(s.line[:0], &in[i]); err != nil {
			return fmt.Errorf("url %q: %w", s.url, err)
		}
		if s.bodyLen(len(s.line)) > s.maxBytes {
			if err := s.oversize(s.line); err != nil {
				return err
			}
			continue
		}
		if s.cur != nil && s.bodyLen(len(s.cur.lines)+len(s.line)) > s.maxBytes {
			s.seal()
		}
		if s.cur == nil {
			s.cur = &httpBatch{lines: make([]byte, 0, min(s.maxBytes, 64<<10))}
			s.curSince = s.now()
		}
		s.cur.lines = append(s.cur.lines, s.line...)
		s.cur.events++
		if s.cur.events >= s.maxEvents {
			s.seal()
		}
	}
	return nil
}

// TickEvery is a quarter of batch.max_wait (at least 1 ms).
func (s *httpSink) TickEvery() time.Duration { return max(s.maxWait/4, time.Millisecond) }

// Tick seals the batch being filled once its first event has waited
// batch.max_wait.
func (s *httpSink) Tick(now time.Time, _ *component.Output) error {
	if s.cur != nil && now.Sub(s.curSince) >= s.maxWait {
		s.seal()
	}
	return nil
}

// Flush seals the last batch; the engine then waits for every event to be
// acknowledged before it calls Close.
func (s *httpSink) Flush(*component.Output) error {
	if s.cur != nil {
		s.seal()
	}
	return nil
}

// seal gives the batch being filled its key and body and queues it.
func (s *httpSink) seal() {
	b := s.cur
	s.cur = nil
	s.seq++
	b.key = s.keyPrefix + "-" + strconv.FormatUint(s.seq, 10)
	b.body = b.lines
	if s.format == httpFormatArray {
		body := make([]byte, 0, len(b.lines)+1)
		body = append(body, '[')
		for i, c := range b.lines {
			if c == '\n' { // JSON strings escape newlines: each is a record's end
				if i == len(b.lines)-1 {
					c = ']'
				} else {
					c = ','
				}
			}
			body = append(body, c)
		}
		b.body = body
	}
	s.stats.batches.Add(1)
	s.stats.events.Add(uint64(b.events))
	if s.d == nil || !s.d.Enqueue(b) {
		panic("BUG: http sink: batch sealed before Open or after Close")
	}
}

// oversize handles an event that alone exceeds batch.max_bytes:
// dead-lettered (on a goroutine of its own, then acknowledged), or an error
// that stops the tenant.
func (s *httpSink) oversize(line []byte) error {
	s.stats.oversize.Add(1)
	reason := fmt.Sprintf("event of %d bytes is larger than batch.max_bytes %d", s.bodyLen(len(line)), s.maxBytes)
	if !s.deadLetter {
		return fmt.Errorf("url %q: %s", s.url, reason)
	}
	b := &httpBatch{lines: append([]byte(nil), line...), events: 1}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.ack(1, s.writeDeadLetters(b, reason, 0))
	}()
	return nil
}
