package connect

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/inbox"
)

const (
	modeIngest       = "ingest"
	modeRequestReply = "request_reply"
	ackEnqueued      = "enqueued"
	// requestIDField is the int field mode request_reply adds to the
	// schema, which a reply sink reads to find the waiting request.
	requestIDField = "request_id"
)

func httpSourceSpec() *component.Spec {
	opts := []component.Option{
		addressOption("127.0.0.1:8080"),
		{Name: "path", Type: component.String, Default: "/",
			Doc: "URL path that takes POSTs; other paths get 404."},
		{Name: "mode", Type: component.Enum, Default: modeIngest, Enum: []string{modeIngest, modeRequestReply},
			Doc: "`ingest`: a request is answered 202 once all its events are in the pipeline's queue. " +
				"`request_reply`: a request holds one event, and is answered 200 with the row a `reply` sink " +
				"receives for it (the schema gets an int field `request_id` that the pipeline must keep), or 504 " +
				"when reply_timeout passes first."},
		{Name: "ack", Type: component.Enum, Default: ackEnqueued, Enum: []string{ackEnqueued, ackDurable},
			Doc: "Mode ingest: when a request is answered. `enqueued`: 202 once its events are in the source's queue; a crash " +
				"before the next checkpoint loses them, and the client cannot know. `durable`: 200 (the body says " +
				"`\"durable\": true`) only once a checkpoint holding every event of the request has committed, which takes up " +
				"to a checkpoint interval; a crash before that leaves the request unanswered, and the client sends it again. " +
				"Needs checkpoints (`run --state-dir`): without them it is an error. A request then holds at most `queue` " +
				"events (413 otherwise), and no checkpoint holds part of one."},
	}
	opts = append(opts, decodeOptions()...)
	opts = append(opts,
		component.Option{Name: "max_body", Type: component.Size, Default: int64(8 << 20), HasMin: true, Min: 1,
			Doc: "Largest request body, after gzip decompression. A larger Content-Length is answered 413 before " +
				"the body is read; a body that turns out larger is answered 413 as soon as it passes the limit, " +
				"with nothing accepted."},
		component.Option{Name: "timeout", Type: component.Duration, Default: time.Second, HasMin: true,
			Doc: "How long a request waits for room when the source's queue is full (the pipeline backs up " +
				"under `block`). Past it the request is answered 503 with Retry-After, and none of its events " +
				"were accepted (a body larger than `queue` is queued in parts: the 503 body then says how many " +
				"were)."},
	)
	opts = append(opts, durableOptions("requests", 4096, "a request that finds them all waiting is answered 503 with a "+
		"JSON reason and Retry-After (the checkpoint interval, in whole seconds rounded up), its events not accepted.")...)
	opts = append(opts,
		component.Option{Name: "reply_timeout", Type: component.Duration, Default: time.Second, HasMin: true, Min: float64(time.Millisecond),
			Doc: "Mode request_reply: how long a request waits for its reply before it is answered 504 (counted)."},
		component.Option{Name: "rate_limit", Type: component.Float, Default: float64(0), HasMin: true,
			Doc: "Events per second this source accepts (0: no limit). A request that finds the budget spent is " +
				"answered 429 with Retry-After (whole seconds, rounded up); a request is let through while any " +
				"budget is left and may overdraw it, so a large request is never starved."},
		component.Option{Name: "rate_burst", Type: component.Count, Default: int64(0), HasMin: true,
			Doc: "Events the rate limit lets through at once after a quiet spell (0: one second's worth)."},
		component.Option{Name: "queue", Type: component.Count, Default: int64(16384), HasMin: true, Min: 2, HasMax: true, Max: 1 << 24,
			Doc: "Events the source's queue holds between the handlers and the pipeline (rounded up to a power of two)."},
		component.Option{Name: "batch", Type: component.Int, Default: int64(64), HasMin: true, Min: 1, HasMax: true, Max: 4096,
			Doc: "Most events the source hands the pipeline per turn: small batches keep a worker's turn short, " +
				"so a burst from many clients does not make the first ones wait for all of it."},
		maxConnectionsOption(),
		component.Option{Name: "read_header_timeout", Type: component.Duration, Default: 5 * time.Second, HasMin: true, Min: float64(time.Millisecond),
			Doc: "How long a client may take to send a request's headers."},
		component.Option{Name: "read_timeout", Type: component.Duration, Default: 30 * time.Second, HasMin: true, Min: float64(time.Millisecond),
			Doc: "How long a client may take to send a whole request, body included."},
		component.Option{Name: "idle_timeout", Type: component.Duration, Default: time.Minute, HasMin: true, Min: float64(time.Millisecond),
			Doc: "How long an idle keep-alive connection stays open."},
		tlsOption(),
		component.Option{Name: "token_file", Type: component.String,
			Doc: "File holding a bearer token (read when the tenant starts); requests without " +
				"`Authorization: Bearer <token>` are answered 401."},
	)
	return &component.Spec{
		Type: "http",
		Kind: component.KindSource,
		Doc: "Takes events over HTTP: POSTs of JSON lines (`application/x-ndjson` or `text/plain`), or of a JSON " +
			"array of objects or one object (`application/json`), optionally gzip-encoded, each record decoded into " +
			"the declared schema as the file source does. A request is answered 202 with " +
			"`{\"accepted\": N, \"rejected\": M, \"errors\": [{\"line\": L, \"error\": \"...\"}]}` (lines counted from 1, " +
			"for an array its elements; at most 100 errors listed) once every accepted event is in the source's " +
			"queue, from which the pipeline takes it; never for an event that was not. Other answers: 400 (a body " +
			"with no good record, or malformed gzip), 401 (token), 404 (path), 405 (not POST), 413 (max_body), 415 " +
			"(another content type or encoding), 429 (rate_limit), 503 (queue full past timeout, or stopping), " +
			"504 (request_reply without a reply in time; the body says the event was accepted, so that a client does not send it again; " +
			"`ack: durable` without a commit within ack_timeout, the body saying the events were accepted but are not known to be durable). " +
			"With `ack: durable` a request is answered 200 once a committed checkpoint holds its events, 503 when ack_max_waiting " +
			"requests wait already or when the source stops before a checkpoint holds them (send them again). Retry-After is in whole seconds, rounded up, never 0. " +
			"A stop stops accepting connections, answers the requests in flight, and the pipeline then drains " +
			"every accepted event. The server runs on goroutines of its own, never on a worker.",
		Options:     opts,
		SideOutputs: []string{"dead_letter"},
		Claims:      func(ctx *component.Context) []component.Claim { return listenClaim(ctx, httpSourceSpec()) },
		New:         newHTTPSource,
	}
}

// httpSource is the http source. Read, Stop and Close are called by the
// source's actor; ServeHTTP by the server's goroutines, many at once.
type httpSource struct {
	path         string
	listen       netListen
	dec          *netDecoding
	requestReply bool
	durable      bool
	ack          durableSetup
	maxBody      int64
	timeout      time.Duration
	replyTimeout time.Duration
	limiter      *rateLimiter
	batch        int
	tokenFile    string
	token        []byte
	readHeader   time.Duration
	readTimeout  time.Duration
	idleTimeout  time.Duration
	reject       func(error)
	wake         func()
	dir          string

	q       *inbox.Inbox
	side    func(e *event.Event) int
	replies *replyTable
	commits *inbox.Commits // ack: durable
	srv     *http.Server
	ln      net.Listener
	served  chan struct{} // closed when Serve returns
	stopped atomic.Bool   // Stop has finished: no request is in flight
	stopOne sync.Once

	stats httpCounters
}

func newHTTPSource(ctx *component.Context) (*component.Instance, error) {
	r := component.NewReader(httpSourceSpec(), ctx.Options)
	s := &httpSource{dir: ctx.Dir, reject: ctx.Reject, wake: ctx.Wake}
	s.listen = readNetListen(r, ctx.Dir)
	s.path = r.String("path")
	if len(s.path) == 0 || s.path[0] != '/' {
		r.Fail(r.At("path"), "%q must start with /", s.path)
	}
	s.requestReply = r.String("mode") == modeRequestReply
	if s.durable = r.String("ack") == ackDurable; s.durable {
		if s.requestReply {
			r.Fail(r.At("ack"), "%q applies to mode %s: mode %s answers with the pipeline's result", ackDurable, modeIngest, modeRequestReply)
		}
		s.ack = readDurable(r, ctx, r.At("ack"))
	}
	s.maxBody = r.Size("max_body")
	s.timeout = r.Duration("timeout")
	s.replyTimeout = r.Duration("reply_timeout")
	rate := finite(r, "rate_limit")
	burst := float64(r.Int("rate_burst"))
	queue := r.Int("queue")
	s.batch = int(r.Int("batch"))
	s.readHeader = r.Duration("read_header_timeout")
	s.readTimeout = r.Duration("read_timeout")
	s.idleTimeout = r.Duration("idle_timeout")
	s.tokenFile = r.String("token_file")
	if r.Given("token_file") && s.tokenFile == "" {
		r.Fail(r.At("token_file"), "must name a file")
	}
	rid := ""
	if s.requestReply {
		rid = requestIDField
	}
	dec, err := readNetDecoding(r, ctx, rid)
	if err != nil {
		return nil, err
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	s.dec = dec
	s.side = dec.side
	if rate > 0 {
		if burst <= 0 {
			burst = max(rate, 1)
		}
		s.limiter = newRateLimiter(rate, burst, time.Now())
	}
	if !ctx.Validating {
		s.q = inbox.New(inbox.Config{Capacity: int(queue), Width: dec.maxWidth(), Wake: ctx.Wake, Whole: s.durable})
		if s.durable {
			s.commits = s.ack.commits()
		}
		if s.requestReply {
			s.replies = newReplyTable()
		}
	}
	return &component.Instance{Source: s, Schema: dec.schema, SideSchemas: []*event.Schema{dec.dead}}, nil
}

// Open reads the token file, binds the address and starts serving.
func (s *httpSource) Open(ctx context.Context) error {
	if s.tokenFile != "" {
		tok, err := readToken(s.dir, s.tokenFile)
		if err != nil {
			return err
		}
		s.token = tok
	}
	ln, err := s.listen.listen(ctx, &s.stats.connWaits)
	if err != nil {
		return err
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.route),
		ReadHeaderTimeout: s.readHeader,
		ReadTimeout:       s.readTimeout,
		IdleTimeout:       s.idleTimeout,
		// Handshake and protocol errors of clients are theirs to see.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	return nil
}

// route answers requests for other paths than the source's with 404 and
// serves the rest.
func (s *httpSource) route(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != s.path {
		s.fail(w, http.StatusNotFound, "not found: events are posted to %s", s.path)
		return
	}
	s.ServeHTTP(w, r)
}

// Addr returns the address the source listens on (after Open), with the
// port chosen for port 0.
func (s *httpSource) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Read hands the pipeline up to batch queued events.
func (s *httpSource) Read(out *component.Output, max int) (component.ReadResult, error) {
	if s.q == nil {
		return component.ReadResult{Done: true}, nil
	}
	n := s.q.Take(out, min(max, s.batch), s.side)
	if n > 0 {
		return component.ReadResult{}, nil
	}
	if s.stopped.Load() && s.q.Len() == 0 {
		return component.ReadResult{Done: true}, nil
	}
	return component.ReadResult{Idle: component.PushReady}, nil
}

// Stop (component.Stopper) stops accepting connections and lets the
// requests in flight finish, on a goroutine of its own; Read then drains
// the queue and reports Done.
func (s *httpSource) Stop() {
	s.stopOne.Do(func() {
		if s.commits != nil {
			// No checkpoint is begun while the tenant stops: requests
			// waiting for one are told now, and Shutdown need not wait.
			// (A round the engine began just before the stop may still
			// reach the source and commit: requests it holds that were
			// told 503 meanwhile are then sent twice.)
			s.commits.Abandon(errSourceStopping)
		}
		if s.srv == nil {
			s.stopped.Store(true)
			s.wake()
			return
		}
		// The goroutine keeps its own reference: Close, which may come
		// before it ends, forgets s.srv.
		srv := s.srv
		go func() {
			// Shutdown closes the listener and idle connections and waits
			// for every active request, each bounded by timeout or
			// reply_timeout.
			_ = srv.Shutdown(context.Background())
			<-s.served
			s.stopped.Store(true)
			s.wake()
		}()
	})
}

// Close ends serving at once (requests still waiting are answered 503),
// and forgets queued events; after a graceful Stop there are none.
func (s *httpSource) Close() error {
	if s.q != nil {
		s.q.Close()
	}
	if s.replies != nil {
		s.replies.close()
	}
	if s.commits != nil {
		s.commits.Close()
	}
	if s.srv != nil {
		err := s.srv.Close()
		<-s.served
		s.srv = nil
		if err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
	}
	return nil
}

// The http source takes part in checkpoints so that, under ack: durable,
// it knows which of its events a committed checkpoint holds. Its position
// is empty: what it had not answered, its clients send again.

// Snapshot (component.Checkpointer) records nothing.
func (s *httpSource) Snapshot(dst []byte) ([]byte, error) { return dst, nil }

// Restore (component.Checkpointer) has nothing to restore.
func (s *httpSource) Restore([]byte) error { return nil }

// Checkpointing (component.CheckpointNumbered) notes that checkpoint id
// holds every event the source has handed the pipeline.
func (s *httpSource) Checkpointing(id uint64) {
	if s.commits != nil {
		s.commits.Mark(id, s.q.Taken())
	}
}

// Committed (component.Committer) answers the requests whose events
// checkpoint id holds.
func (s *httpSource) Committed(id uint64) {
	if s.commits != nil {
		s.commits.Commit(id)
	}
}
