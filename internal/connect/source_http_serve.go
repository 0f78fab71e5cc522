package connect

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/inbox"
)

// maxListedErrors bounds the errors a response lists; "rejected" counts
// them all.
const maxListedErrors = 100

// httpCounters are the http source's figures. Every field is updated
// atomically by the handlers and readable from any goroutine.
type httpCounters struct {
	byStatus sync.Map // int status → *atomic.Uint64
	// Accepted events; Rejected bad records; Refused events not accepted
	// (queue full past the timeout, or stopping); ReplyTimeouts requests of
	// mode request_reply answered 504; ConnWaits accepts that waited for
	// max_connections.
	accepted, rejected, refused, replyTimeouts, connWaits atomic.Uint64
}

func (c *httpCounters) count(status int) {
	v, ok := c.byStatus.Load(status)
	if !ok {
		v, _ = c.byStatus.LoadOrStore(status, new(atomic.Uint64))
	}
	v.(*atomic.Uint64).Add(1)
}

// HTTPStats is a snapshot of an http source's figures.
type HTTPStats struct {
	// Responses counts the requests answered, by status code.
	Responses map[int]uint64
	// Accepted, Rejected and Refused count events: put into the queue, bad
	// records, and good records not accepted (503: queue full past the
	// timeout, or the source stopping).
	Accepted, Rejected, Refused uint64
	// ReplyTimeouts counts request_reply requests answered 504.
	ReplyTimeouts uint64
	// ConnWaits counts connections that waited for max_connections.
	ConnWaits uint64
	// Queue is the source's queue: fill, refusals, waits.
	Queue inbox.Stats
	// Durable holds the waits for checkpoints under ack: durable (nil
	// otherwise).
	Durable *inbox.CommitStats
}

// Stats returns the source's figures. Safe from any goroutine.
func (s *httpSource) Stats() HTTPStats {
	st := HTTPStats{Responses: map[int]uint64{},
		Accepted: s.stats.accepted.Load(), Rejected: s.stats.rejected.Load(), Refused: s.stats.refused.Load(),
		ReplyTimeouts: s.stats.replyTimeouts.Load(), ConnWaits: s.stats.connWaits.Load()}
	s.stats.byStatus.Range(func(k, v any) bool {
		st.Responses[k.(int)] = v.(*atomic.Uint64).Load()
		return true
	})
	if s.q != nil {
		st.Queue = s.q.Stats()
	}
	if s.commits != nil {
		d := s.commits.Stats()
		st.Durable = &d
	}
	return st
}

// request is the reusable state of one request being served.
type request struct {
	body   bytes.Buffer
	evs    []event.Event
	n      int // events decoded into evs
	errs   []recordError
	bad    int64
	gz     *gzip.Reader
	answer []byte
}

var requests = sync.Pool{New: func() any { return new(request) }}

func (q *request) next() *event.Event {
	if q.n == len(q.evs) {
		q.evs = append(q.evs, event.Event{})
	}
	e := &q.evs[q.n]
	q.n++
	e.Reset()
	return e
}

// bodyFormat is how a body's records are delimited.
type bodyFormat uint8

const (
	bodyLines bodyFormat = iota
	bodyJSON
)

// ServeHTTP takes one POST of events. See the spec's doc for the answers.
func (s *httpSource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.fail(w, http.StatusMethodNotAllowed, "method %s not allowed: POST events", r.Method)
		return
	}
	if s.token != nil && !bearerOK(r.Header.Get("Authorization"), s.token) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="greenwave"`)
		s.fail(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	format, err := contentFormat(r.Header.Get("Content-Type"))
	if err != nil {
		s.fail(w, http.StatusUnsupportedMediaType, "%v", err)
		return
	}
	enc := r.Header.Get("Content-Encoding")
	if enc != "" && enc != "gzip" && enc != "identity" {
		s.fail(w, http.StatusUnsupportedMediaType, "content encoding %q is not supported (gzip is)", enc)
		return
	}
	if r.ContentLength > s.maxBody && enc != "gzip" {
		w.Header().Set("Connection", "close")
		s.fail(w, http.StatusRequestEntityTooLarge, "body of %d bytes is larger than max_body (%d bytes)", r.ContentLength, s.maxBody)
		return
	}
	q := requests.Get().(*request)
	defer s.done(q)
	if status, err := s.readBody(q, w, r, enc == "gzip"); err != nil {
		if status == http.StatusRequestEntityTooLarge {
			w.Header().Set("Connection", "close")
		}
		s.fail(w, status, "%v", err)
		return
	}
	if err := s.decodeBody(q, format, r.RemoteAddr, start.UnixNano()); err != nil {
		s.fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	good := s.good(q, q.n)
	if good == 0 && q.bad > 0 && !s.dec.deadLetter {
		s.stats.rejected.Add(uint64(q.bad))
		s.answer(w, q, http.StatusBadRequest, 0)
		return
	}
	if s.limiter != nil {
		if ok, wait := s.limiter.take(q.n, time.Now()); !ok {
			w.Header().Set("Retry-After", retryAfter(wait))
			s.fail(w, http.StatusTooManyRequests, "rate limit of this source reached; retry in %v", wait.Round(time.Millisecond))
			return
		}
	}
	s.stats.rejected.Add(uint64(q.bad))
	if s.requestReply {
		s.requestReplyOne(w, q)
		return
	}
	if s.durable {
		s.putDurable(w, q, start)
		return
	}
	accepted, _, err := s.put(q.evs[:q.n], start.Add(s.timeout))
	if err != nil {
		s.refuse(w, q, accepted, err)
		return
	}
	s.answer(w, q, http.StatusAccepted, s.good(q, accepted))
}

// putDurable queues a request's events under ack: durable and answers once
// a committed checkpoint holds them all: 200; or 503 when too many
// requests wait already (nothing accepted), or when the source stops
// before a checkpoint holds them (send them again); or 504 past
// ack_timeout (accepted, not known to be durable).
func (s *httpSource) putDurable(w http.ResponseWriter, q *request, start time.Time) {
	if q.n > s.q.Cap() {
		w.Header().Set("Connection", "close")
		s.fail(w, http.StatusRequestEntityTooLarge, "with ack: durable a request holds at most queue (%d) events, and this one holds %d: send fewer per request", s.q.Cap(), q.n)
		return
	}
	if err := s.commits.Reserve(1, time.Time{}); err != nil {
		if errors.Is(err, inbox.ErrBusy) {
			w.Header().Set("Retry-After", retryAfter(s.ack.interval))
			s.fail(w, http.StatusServiceUnavailable, "%d requests (ack_max_waiting) wait for a checkpoint already: nothing was accepted; retry after the next checkpoint", s.commits.Stats().Max)
			return
		}
		s.refuse(w, q, 0, inbox.ErrClosed)
		return
	}
	defer s.commits.Release(1)
	accepted, end, err := s.put(q.evs[:q.n], start.Add(s.timeout))
	if err != nil {
		s.refuse(w, q, accepted, err)
		return
	}
	good := s.good(q, accepted)
	err = s.commits.Wait(end, time.Now().Add(s.ack.timeout))
	switch {
	case err == nil:
		s.answerWith(w, q, http.StatusOK, good, `"durable":true`)
	case errors.Is(err, inbox.ErrNotDurable):
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Connection", "close")
		s.answerWith(w, q, http.StatusServiceUnavailable, 0, `"durable":false,"error":`+
			string(appendJSONString(nil, "the events are not durable: "+err.Error()+"; send them again")))
	default:
		s.answerWith(w, q, http.StatusGatewayTimeout, good, `"durable":false,"error":`+
			string(appendJSONString(nil, fmt.Sprintf("no checkpoint holding the events committed within ack_timeout (%v); "+
				"they were accepted and may still be committed, so sending them again may duplicate them", s.ack.timeout))))
	}
}

// readBody reads the whole body into q.body, at most max_body bytes
// (decompressed, for gzip).
func (s *httpSource) readBody(q *request, w http.ResponseWriter, r *http.Request, gz bool) (int, error) {
	var src io.Reader = http.MaxBytesReader(w, r.Body, s.maxBody)
	if gz {
		if q.gz == nil {
			q.gz = new(gzip.Reader)
		}
		if err := q.gz.Reset(src); err != nil {
			return s.bodyError(err, "malformed gzip body: %w")
		}
		src = q.gz
	}
	if r.ContentLength > 0 && r.ContentLength <= s.maxBody {
		q.body.Grow(int(r.ContentLength))
	}
	// One byte past the limit tells a decompressed body that is too large.
	n, err := q.body.ReadFrom(io.LimitReader(src, s.maxBody+1))
	if err != nil {
		return s.bodyError(err, "cannot read the body: %w")
	}
	if n > s.maxBody {
		return http.StatusRequestEntityTooLarge, fmt.Errorf("body is larger than max_body (%d bytes) once decompressed", s.maxBody)
	}
	return 0, nil
}

func (s *httpSource) bodyError(err error, format string) (int, error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return http.StatusRequestEntityTooLarge, fmt.Errorf("body is larger than max_body (%d bytes)", s.maxBody)
	}
	return http.StatusBadRequest, fmt.Errorf(format, err)
}

// decodeBody decodes every record of the body into q.evs: events of the
// schema, dead letters (on_error: dead_letter), or errors in q.errs.
func (s *httpSource) decodeBody(q *request, format bodyFormat, remote string, created int64) error {
	dec := s.dec.decoder()
	defer s.dec.release(dec)
	from := ""
	each := func(line int64, rec []byte) bool {
		e := q.next()
		err := s.dec.decode(dec, rec, e, created)
		if err == nil {
			return true
		}
		q.bad++
		if from == "" {
			from = "POST " + s.path + " from " + remote
		}
		if len(q.errs) < maxListedErrors {
			q.errs = append(q.errs, recordError{Line: line, Err: err})
		}
		if s.dec.deadLetter {
			s.dec.deadLetterEvent(e, from, line, err, rec, created)
			return true
		}
		q.n--
		if s.reject != nil {
			s.reject(&netRecordError{From: from, Line: line, Err: err})
		}
		return true
	}
	if format == bodyLines {
		forEachLine(q.body.Bytes(), each)
		return nil
	}
	return forEachJSON(q.body.Bytes(), each)
}

// good counts the events of the schema (not dead letters) among q's first
// k events.
func (s *httpSource) good(q *request, k int) int {
	if !s.dec.deadLetter {
		return k
	}
	n := 0
	for i := range q.evs[:k] {
		if q.evs[i].Schema != s.dec.dead.ID {
			n++
		}
	}
	return n
}

// put queues evs, in parts of at most the queue's capacity, each waiting
// for room until deadline; it returns how many were queued and the end
// position of the last part (inbox.Inbox.Put).
func (s *httpSource) put(evs []event.Event, deadline time.Time) (int, uint64, error) {
	done := 0
	var end uint64
	for done < len(evs) {
		part := evs[done:min(len(evs), done+s.q.Cap())]
		e, err := s.q.Put(part, deadline)
		if err != nil {
			s.stats.refused.Add(uint64(len(evs) - done))
			return done, end, err
		}
		end = e
		done += len(part)
		s.stats.accepted.Add(uint64(len(part)))
	}
	return done, end, nil
}

// refuse answers a request whose events did not all fit: 503.
func (s *httpSource) refuse(w http.ResponseWriter, q *request, accepted int, err error) {
	if errors.Is(err, inbox.ErrClosed) {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Connection", "close")
	} else {
		w.Header().Set("Retry-After", retryAfter(s.timeout))
	}
	s.answer(w, q, http.StatusServiceUnavailable, s.good(q, accepted))
}

// requestReplyOne queues a request's one event with a request id and waits
// for its reply.
func (s *httpSource) requestReplyOne(w http.ResponseWriter, q *request) {
	if q.n != 1 {
		s.fail(w, http.StatusBadRequest, "mode request_reply takes one event per request, got %d", q.n)
		return
	}
	e := &q.evs[0]
	if e.Schema != s.dec.schema.ID { // a dead letter: nothing to reply with
		s.answer(w, q, http.StatusBadRequest, 0)
		return
	}
	rid, ch := s.replies.add()
	if ch == nil {
		s.refuse(w, q, 0, inbox.ErrClosed)
		return
	}
	e.Set(s.dec.ridSlot, event.IntValue(rid))
	if _, _, err := s.put(q.evs[:1], time.Now().Add(s.timeout)); err != nil {
		s.replies.cancel(rid)
		s.refuse(w, q, 0, err)
		return
	}
	t := time.NewTimer(s.replyTimeout)
	defer t.Stop()
	var body []byte
	select {
	case body = <-ch:
	case <-t.C:
		if s.replies.cancel(rid) {
			s.stats.replyTimeouts.Add(1)
			// The event is in the pipeline: say so, so that a client does
			// not take the 504 for a refusal and send it again.
			s.stats.count(http.StatusGatewayTimeout)
			b := append(appendJSONString([]byte(`{"accepted":1,"error":`),
				fmt.Sprintf("no reply within reply_timeout (%v); the event was accepted and may still be processed", s.replyTimeout)), "}\n"...)
			h := w.Header()
			h.Set("Content-Type", "application/json")
			h.Set("Content-Length", strconv.Itoa(len(b)))
			w.WriteHeader(http.StatusGatewayTimeout)
			_, _ = w.Write(b)
			return
		}
		body = <-ch // delivered just now
	}
	if body == nil { // the source closed
		s.refuse(w, q, 0, inbox.ErrClosed)
		return
	}
	s.stats.count(http.StatusOK)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// answer writes the JSON summary of a request with the given status.
func (s *httpSource) answer(w http.ResponseWriter, q *request, status, accepted int) {
	s.answerWith(w, q, status, accepted, "")
}

// answerWith writes the JSON summary of a request with the given status
// and extra members (a JSON object's members, without braces) after it.
func (s *httpSource) answerWith(w http.ResponseWriter, q *request, status, accepted int, extra string) {
	s.stats.count(status)
	b := q.answer[:0]
	b = append(b, `{"accepted":`...)
	b = strconv.AppendInt(b, int64(accepted), 10)
	b = append(b, `,"rejected":`...)
	b = strconv.AppendInt(b, q.bad, 10)
	b = append(b, `,"errors":[`...)
	for i, e := range q.errs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"line":`...)
		b = strconv.AppendInt(b, e.Line, 10)
		b = append(b, `,"error":`...)
		b = appendJSONString(b, e.Err.Error())
		b = append(b, '}')
	}
	b = append(b, ']')
	if extra != "" {
		b = append(b, ',')
		b = append(b, extra...)
	}
	b = append(b, "}\n"...)
	q.answer = b
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// fail answers with status and a JSON error message.
func (s *httpSource) fail(w http.ResponseWriter, status int, format string, args ...any) {
	s.stats.count(status)
	msg := fmt.Sprintf(format, args...)
	b := append(appendJSONString([]byte(`{"error":`), msg), "}\n"...)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// done resets q for its next request and returns it to the pool; very
// large buffers are dropped rather than kept.
func (s *httpSource) done(q *request) {
	q.body.Reset()
	q.n, q.bad = 0, 0
	q.errs = q.errs[:0]
	if q.body.Cap() > 1<<20 || len(q.evs) > 1<<14 {
		return
	}
	requests.Put(q)
}

// contentFormat maps a Content-Type to a body format.
func contentFormat(ct string) (bodyFormat, error) {
	if ct == "" {
		return 0, errors.New("no content type: send application/x-ndjson, text/plain (JSON lines) or application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return 0, fmt.Errorf("content type %q: %w", ct, err)
	}
	switch mt {
	case "application/x-ndjson", "application/jsonl", "application/json-lines", "text/plain":
		return bodyLines, nil
	case "application/json":
		return bodyJSON, nil
	}
	return 0, fmt.Errorf("content type %q is not supported: send application/x-ndjson, text/plain (JSON lines) or application/json", mt)
}

// AppendFigures appends the source's figures (component.Figure), named
// http_source_*, then its queue's (inbox_*). Safe from any goroutine.
func (s *httpSource) AppendFigures(dst []component.Figure) []component.Figure {
	return s.Stats().AppendFigures(dst)
}

// AppendFigures appends the figures of st (see httpSource.AppendFigures).
func (st HTTPStats) AppendFigures(dst []component.Figure) []component.Figure {
	c := component.CounterOf
	codes := make([]int, 0, len(st.Responses))
	for code := range st.Responses {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		dst = append(dst, c("http_source_responses_total", "Requests answered, by status code.", float64(st.Responses[code]), "status", strconv.Itoa(code)))
	}
	dst = append(dst,
		c("http_source_accepted_events_total", "Events put into the source's queue.", float64(st.Accepted)),
		c("http_source_rejected_events_total", "Bad records (answered with the record's error).", float64(st.Rejected)),
		c("http_source_refused_events_total", "Good records not accepted (answered 503: queue full past the timeout, or the source stopping).", float64(st.Refused)),
		c("http_source_reply_timeouts_total", "request_reply requests answered 504.", float64(st.ReplyTimeouts)),
		c("http_source_connection_waits_total", "Connections that waited for max_connections.", float64(st.ConnWaits)),
	)
	if st.Durable != nil {
		dst = st.Durable.AppendFigures(dst, "http_source_", "requests", "requests")
	}
	return st.Queue.AppendFigures(dst)
}
