package serve

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/event"
)

// DefaultAddress is where a serve sink listens unless its address says
// otherwise.
const DefaultAddress = "127.0.0.1:8090"

const (
	whenSlowResync     = "resync"
	whenSlowDisconnect = "disconnect"
	stateFail          = "fail"
	stateEvict         = "evict_oldest"
	deliveryFrames     = "frames"
	deliveryDeltas     = "deltas"
)

// Spec returns the spec of the serve sink.
func Spec() *component.Spec {
	d := DefaultConfig("")
	return &component.Spec{
		Type: "serve",
		Kind: component.KindSink,
		Doc: "Keeps a live table — the latest row per `key` — and serves it over HTTP as a snapshot plus a " +
			"stream of sequenced deltas (docs/serve-protocol.md): `GET /tables/<name>/snapshot`, a WebSocket or " +
			"Server-Sent Events stream at `/tables/<name>/stream` (`?from=SEQ&session=X` resumes), and `GET /tables` lists " +
			"the tables; `/` is a page that shows them updating. Each row changed by an event (a new row, or a " +
			"re-emitted one with other values; an identical row changes nothing) becomes a delta with the next " +
			"sequence number and the row's absolute values; a row removed by ttl or evict_oldest becomes a delete " +
			"delta. Live subscribers get frames (delivery): every delta since their last message in one message, " +
			"conflated by key, encoded once for all of them. The sink never waits for a subscriber: each has a " +
			"bounded backlog, and one that falls behind is caught up from the rows in one frame, resynced (a gap " +
			"message, then a fresh snapshot) or disconnected per when_slow, without slowing the pipeline or the others. Sinks of a run may share " +
			"an address; the table is named after the sink. When the tenant stops, every subscriber gets its " +
			"last deltas and a final progress message, and its connection is closed cleanly. With a state directory " +
			"the table is in every checkpoint: a restart serves it as of the checkpoint (rows, checksum, sequence " +
			"number, update times), in a new session, and a subscriber that resumes gets a gap and a snapshot.",
		Options: []component.Option{
			{Name: "key", Type: component.StringList, Required: true,
				Doc: "The fields whose values identify a row: a later event with the same values replaces it. " +
					"Each must be a field of every input. Deltas carry the key as a JSON array of these values."},
			{Name: "address", Type: component.String, Default: DefaultAddress,
				Doc: "host:port the HTTP server listens on; sinks of a run that name the same address share " +
					"one server. Port 0 picks a free port."},
			{Name: "tcp_address", Type: component.String, Default: "",
				Doc: "host:port of the plain TCP line protocol (the same messages, one JSON object per line, after " +
					"a request line `<table> [from]`); empty: no TCP listener."},
			{Name: "retain", Type: component.Int, Default: int64(d.Retain), Min: 1, Max: 1 << 24, HasMin: true, HasMax: true,
				Doc: "The most recent deltas kept for subscribers that resume with `?from=SEQ` (the retransmission " +
					"window); a subscriber that asks for an older one gets a gap message and a snapshot."},
			{Name: "retain_bytes", Type: component.Size, Default: d.RetainBytes, Min: 1, HasMin: true,
				Doc: "The most bytes of encoded deltas the window keeps; the oldest go first."},
			{Name: "checksum_every", Type: component.Int, Default: int64(0), Min: 0, HasMin: true,
				Doc: "Add the table's checksum (after the change) to every delta whose seq is a multiple of this; " +
					"0: only snapshots carry it."},
			{Name: "progress", Type: component.Duration, Default: d.Progress, Min: float64(10 * time.Millisecond), HasMin: true,
				Doc: "How often a subscriber that has every delta gets a progress message (the head sequence and " +
					"the latest event time), so that a quiet table differs from a stalled connection."},
			{Name: "max_subscribers", Type: component.Int, Default: int64(d.MaxSubscribers), Min: 1, Max: 1 << 20, HasMin: true, HasMax: true,
				Doc: "The most subscribers at once; one more is refused (HTTP 503, or an error line over TCP)."},
			{Name: "queue_messages", Type: component.Int, Default: int64(d.QueueMessages), Min: 1, Max: 1 << 24, HasMin: true, HasMax: true,
				Doc: "With delivery: deltas, the most messages a subscriber's queue holds before when_slow applies. " +
					"With frames a subscriber has at most its next frames queued; it is slow when the deltas it has " +
					"not had leave the window (retain, retain_bytes)."},
			{Name: "queue_bytes", Type: component.Size, Default: d.QueueBytes, Min: 1, HasMin: true,
				Doc: "With delivery: deltas, the most bytes a subscriber's queue holds before when_slow applies (a " +
					"snapshot being sent does not count: it is shared, not queued)."},
			{Name: "when_slow", Type: component.Enum, Enum: []string{whenSlowResync, whenSlowDisconnect}, Default: whenSlowResync,
				Doc: "What a slow subscriber gets (its queue overflowed; with frames, what it owes left the window). " +
					"`resync`: with frames, when it reads again, one frame from its place to the table's latest state, " +
					"built from the rows (no gap), unless a delete since has left the window too; otherwise (and with " +
					"delivery: deltas) the queue is dropped (counted as drops) and, when it reads again, it gets a gap " +
					"message naming the deltas it missed and a fresh snapshot, then deltas from there. `disconnect`: " +
					"the connection is closed."},
			{Name: "write_timeout", Type: component.Duration, Default: d.WriteTimeout, Min: 0, HasMin: true,
				Doc: "A subscriber one of whose writes takes longer is disconnected; 0: never. Under resync a " +
					"subscriber that stalls for less than this catches up or resyncs when it reads again."},
			{Name: "delivery", Type: component.Enum, Enum: []string{deliveryFrames, deliveryDeltas}, Default: deliveryFrames,
				Doc: "How a live subscriber gets changes. `frames`: one message per writer pass (at most every " +
					"frame_interval) carrying every delta since its last message, conflated by key (only a key's last " +
					"change is in it) and the table's checksum after it; the frame is encoded once and the same bytes go " +
					"to every subscriber at the same sequence number, and one still writing its last frame gets one " +
					"frame covering everything since. `deltas`: one message per delta (every change seen, queue_messages " +
					"and queue_bytes bound each subscriber's queue)."},
			{Name: "frame_interval", Type: component.Duration, Default: d.FrameInterval, Min: 0, HasMin: true,
				Doc: "The least time between two writer passes: a change after a quiet spell goes out at once, a busy " +
					"table's changes every interval — with delivery: frames conflated into a frame, with delivery: deltas " +
					"each subscriber's deltas since the last pass in one write to its socket. 0: a pass per batch of the sink. " +
					"With writers: 0 each subscriber paces its own frames the same way (its deltas are not paced)."},
			{Name: "frame_max", Type: component.Int, Default: int64(d.FrameMax), Min: 1, Max: 1 << 24, HasMin: true, HasMax: true,
				Doc: "With delivery: frames, the most sequence numbers one frame covers; a subscriber further behind " +
					"gets several frames, each conflated on its own."},
			{Name: "writers", Type: component.Int, Default: int64(d.Writers), Min: 0, Max: 64, HasMin: true, HasMax: true,
				Doc: "Fan-out goroutines that move each new batch of deltas into the subscribers' queues, at most every " +
					"frame_interval, and write them: to a WebSocket or TCP subscriber's socket themselves, one " +
					"non-blocking write of its whole batch (the same encoded bytes for every subscriber); what the " +
					"socket does not take at once, a snapshot, and an SSE subscriber's batch, the subscriber's own " +
					"goroutine writes. 0 gives every subscriber its own goroutine, woken by the sink for every batch, " +
					"that writes everything: the naive layout, for comparison."},
			{Name: "writer_share", Type: component.Float, Default: d.WriterShare, HasMin: true, ExclusiveMin: true, HasMax: true, Max: 1,
				Doc: "The most of its core a writer's passes take: after a pass that took d, the next starts no sooner " +
					"than d / writer_share after it began (nor sooner than frame_interval). With many subscribers a pass " +
					"is long, and a busy table's changes then go out in fewer, larger writes (with frames, more " +
					"conflated) instead of taking more CPU from the pipeline; with few it changes nothing. 1: passes " +
					"back to back."},
			{Name: "batch_sends", Type: component.Bool, Default: d.BatchSends,
				Doc: "Make each writer pass's direct writes to WebSocket and TCP subscribers with one system call per " +
					"256 subscribers (Linux io_uring: each a non-blocking send, as a direct write is) instead of one " +
					"each. Where io_uring is not to be had (an older kernel, `kernel.io_uring_disabled`, a seccomp " +
					"profile that forbids it) the writers write one by one, and `GET /tables/<name>/stats` says why " +
					"(`BatchError`). `serve_send_batches_total` counts the system calls."},
			{Name: "pin_writers", Type: component.Bool, Default: false,
				Doc: "Lock each fan-out goroutine to an OS thread pinned to a CPU of its own (from the last CPU down)."},
			{Name: "max_rows", Type: component.Int, Default: d.MaxRows, Min: 1, HasMin: true,
				Doc: "The most rows the table holds. See when_state_full."},
			{Name: "max_state", Type: component.Size, Default: d.MaxBytes, Min: 1, HasMin: true,
				Doc: "The most bytes of rows the table holds, as an estimate: each row's key and row texts, its " +
					"encoded delta and a fixed overhead per row. The tenant's memory adds the retained window."},
			{Name: "when_state_full", Type: component.Enum, Enum: []string{stateFail, stateEvict}, Default: stateFail,
				Doc: "What a new key does when max_rows or max_state is reached. `fail`: the tenant stops with an " +
					"error naming the table and the limit. `evict_oldest`: the least recently updated rows are " +
					"deleted (each a delete delta) to make room."},
			{Name: "ttl", Type: component.Duration, Min: float64(time.Millisecond), HasMin: true,
				Doc: "Deletes a row not updated for this long (by processing time), as a delete delta; checked " +
					"every tenth of the ttl (10ms to 1s). After a restart a row still expires ttl after its last update " +
					"(by the wall clock, the downtime included). Unset: rows stay until replaced."},
		},
		MaxInputs: 0,
		Claims:    claims,
		New:       newSink,
	}
}

// claims claims the table's name on its address: two sinks of a run may
// share an address, not a table name on it.
func claims(ctx *component.Context) []component.Claim {
	r := component.NewReader(Spec(), ctx.Options)
	addr := r.String("address")
	return []component.Claim{{
		Kind: "serve table", Key: normalAddr(addr) + " " + ctx.Name,
		Path: r.At("address"), Value: addr, Verb: fmt.Sprintf("used for a table named %s", diag.Quote(ctx.Name)),
	}}
}

// normalAddr spells an address one way: lower-case host, "localhost" and
// the loopback address alike.
func normalAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	host = strings.ToLower(host)
	if host == "localhost" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// sink is the serve sink instance: Process applies each batch to the
// table on the sink's actor.
type sink struct {
	t        *Table
	key      []string
	addr     string
	tcpAddr  string
	inputs   []*event.Schema
	reg      component.Registry
	binds    map[uint32]*binding
	last     *binding
	lastID   uint32
	buf      []byte
	spans    []span
	pending  []Change
	cfg      Config
	now      func() time.Time
	closeFor time.Duration
	stopped  bool
	// restored is the state Restore decoded, installed by Open.
	restored *tableState
}

// The serve sink's table is checkpointed.
var _ component.Checkpointer = (*sink)(nil)

// span locates one event's key and row texts in the sink's buffer.
type span struct{ k0, k1, r1 int }

// binding is the key slots of one schema version.
type binding struct {
	schema *event.Schema
	slots  []int
}

func newSink(ctx *component.Context) (*component.Instance, error) {
	r := component.NewReader(Spec(), ctx.Options)
	cfg := DefaultConfig(ctx.Name)
	cfg.Tenant = ctx.Tenant
	cfg.Key = r.StringList("key")
	addr := r.String("address")
	tcpAddr := r.String("tcp_address")
	cfg.Retain = int(r.Int("retain"))
	cfg.RetainBytes = r.Size("retain_bytes")
	cfg.ChecksumEvery = uint64(r.Int("checksum_every"))
	cfg.Progress = r.Duration("progress")
	cfg.MaxSubscribers = int(r.Int("max_subscribers"))
	cfg.QueueMessages = int(r.Int("queue_messages"))
	cfg.QueueBytes = r.Size("queue_bytes")
	if r.String("when_slow") == whenSlowDisconnect {
		cfg.Policy = Disconnect
	}
	cfg.WriteTimeout = r.Duration("write_timeout")
	cfg.Frames = r.String("delivery") == deliveryFrames
	cfg.FrameInterval = r.Duration("frame_interval")
	cfg.FrameMax = int(r.Int("frame_max"))
	cfg.Writers = int(r.Int("writers"))
	cfg.WriterShare = r.Float("writer_share")
	cfg.Pin = r.Bool("pin_writers")
	cfg.BatchSends = r.Bool("batch_sends")
	cfg.MaxRows = r.Int("max_rows")
	cfg.MaxBytes = r.Size("max_state")
	cfg.Evict = r.String("when_state_full") == stateEvict
	cfg.TTL = r.Duration("ttl")
	checkAddr(r, "address", addr, false)
	checkAddr(r, "tcp_address", tcpAddr, true)
	if tcpAddr != "" && normalAddr(tcpAddr) == normalAddr(addr) && !strings.HasSuffix(addr, ":0") {
		r.Fail(r.At("tcp_address"), "%s is also the HTTP address", diag.Quote(tcpAddr))
	}
	for i, k := range cfg.Key {
		at := r.At("key").Index(i)
		switch {
		case k == "":
			r.Fail(at, "entry %d is empty", i+1)
		case slices.Contains(cfg.Key[:i], k):
			r.Fail(at, "field %s is listed twice", diag.Quote(k))
		default:
			for _, in := range ctx.Inputs {
				if in == nil {
					continue
				}
				if _, ok := in.Slot(k); !ok {
					r.Fail(at, "field %s is not in input schema %s%s", diag.Quote(k), diag.Quote(in.Name), diag.DidYouMean(k, in.Names()))
				}
			}
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	s := &sink{key: cfg.Key, addr: addr, tcpAddr: tcpAddr, inputs: ctx.Inputs, reg: ctx.Registry,
		binds: map[uint32]*binding{}, now: ctx.Now, closeFor: ctx.CloseTimeout, cfg: cfg}
	if s.now == nil {
		s.now = time.Now
	}
	if s.closeFor <= 0 {
		s.closeFor = 5 * time.Second
	}
	return &component.Instance{Operator: s}, nil
}

// checkAddr checks a host:port option.
func checkAddr(r *component.Reader, name, addr string, optional bool) {
	if addr == "" && optional {
		return
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		r.Fail(r.At(name), "%s is not host:port (as 127.0.0.1:8090 or :8090)", diag.Quote(addr))
	}
}

// Open makes the table (starting its writers) and binds the sink's
// addresses (shared with the run's other serve sinks that name them).
func (s *sink) Open(context.Context) error {
	t, err := NewTable(s.cfg)
	if err != nil {
		return err
	}
	if st := s.restored; st != nil {
		s.restored = nil
		if err := t.install(st); err != nil {
			t.Close(0)
			return err
		}
	}
	if err := t.Serve(s.addr, s.tcpAddr); err != nil {
		t.Close(0)
		return err
	}
	s.t = t
	return nil
}

// Snapshot appends the table's state (component.Checkpointer): its
// sequence number, rows, checksum and what ttl and evict_oldest need (see
// Table.AppendState). It runs on the sink's actor between batches and
// does no I/O.
func (s *sink) Snapshot(dst []byte) ([]byte, error) {
	if s.t == nil {
		return dst, fmt.Errorf("table %q: not opened", s.cfg.Name)
	}
	return s.t.AppendState(dst), nil
}

// Restore decodes and checks a Snapshot's state (component.Checkpointer);
// Open builds the table from it, at the saved sequence number with an
// empty window and a new session, before it serves it. An error (another
// version, damaged bytes) leaves the sink to start empty.
func (s *sink) Restore(src []byte) error {
	st, err := decodeState(src)
	if err != nil {
		return fmt.Errorf("table %q: %w", s.cfg.Name, err)
	}
	s.restored = st
	return nil
}

// Process applies the batch to the table. It encodes each event's key and
// row into one buffer and hands them to Apply, which sequences and
// publishes the changes; nothing here waits for a subscriber.
func (s *sink) Process(_ int, in []event.Event, _ *component.Output) error {
	if s.t == nil {
		return fmt.Errorf("table %q: not opened", s.cfg.Name)
	}
	buf := s.buf[:0]
	spans := s.spans[:0]
	var latest int64
	for i := range in {
		e := &in[i]
		b, err := s.bind(e)
		if err != nil {
			return fmt.Errorf("table %q: %w", s.cfg.Name, err)
		}
		k0 := len(buf)
		buf = append(buf, '[')
		for j, slot := range b.slots {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = e.Get(slot).AppendText(buf)
		}
		buf = append(buf, ']')
		k1 := len(buf)
		buf = b.schema.AppendJSON(buf, e)
		spans = append(spans, span{k0, k1, len(buf)})
		latest = max(latest, e.Time)
	}
	s.buf, s.spans = buf, spans
	ch := s.pending[:0]
	for _, sp := range spans {
		ch = append(ch, Change{Key: buf[sp.k0:sp.k1], Row: buf[sp.k1:sp.r1]})
	}
	s.pending = ch
	err := s.t.Apply(ch, latest, s.now())
	clear(ch)
	if cap(s.buf) > 4<<20 {
		s.buf = nil
	}
	return err
}

// bind returns the key slots of e's schema.
func (s *sink) bind(e *event.Event) (*binding, error) {
	if b := s.last; b != nil && s.lastID == e.Schema && len(e.Fields) <= len(b.schema.Fields) {
		return b, nil
	}
	b := s.binds[e.Schema]
	if b == nil || len(e.Fields) > len(b.schema.Fields) {
		sc, err := s.schema(e.Schema, len(e.Fields))
		if err != nil {
			return nil, err
		}
		b = &binding{schema: sc}
		for _, k := range s.key {
			slot, ok := sc.Slot(k)
			if !ok {
				return nil, fmt.Errorf("key field %q is not in the event's schema %q", k, sc.Name)
			}
			b.slots = append(b.slots, slot)
		}
		s.binds[e.Schema] = b
	}
	s.last, s.lastID = b, e.Schema
	return b, nil
}

func (s *sink) schema(id uint32, width int) (*event.Schema, error) {
	for _, in := range s.inputs {
		if in != nil && in.ID == id && len(in.Fields) >= width {
			return in, nil
		}
	}
	if s.reg != nil {
		if sc := s.reg.Schema(id); sc != nil {
			return sc, nil
		}
	}
	return nil, fmt.Errorf("event has unknown schema id %d", id)
}

// TickEvery is the ttl's check period (a tenth of it, 10ms to 1s); 0
// without a ttl.
func (s *sink) TickEvery() time.Duration {
	if s.cfg.TTL <= 0 {
		return 0
	}
	return min(max(s.cfg.TTL/10, 10*time.Millisecond), time.Second)
}

// Tick deletes the rows whose ttl has passed.
func (s *sink) Tick(now time.Time, _ *component.Output) error {
	if s.t != nil {
		s.t.Expire(now)
	}
	return nil
}

// Flush ends the subscriptions gracefully (final progress, clean close)
// and stops serving the table.
func (s *sink) Flush(*component.Output) error {
	s.stop()
	return nil
}

// Close stops serving the table if Flush did not (a failed tenant).
func (s *sink) Close() error {
	s.stop()
	return nil
}

// stop starts the table's graceful stop on a goroutine of its own, so
// that the sink's actor (on a worker) does not wait for subscribers;
// Drain waits for it.
func (s *sink) stop() {
	if s.stopped || s.t == nil {
		return
	}
	s.stopped = true
	t, timeout := s.t, s.closeFor
	stopping.Add(1)
	go func() {
		defer stopping.Done()
		t.Stop(timeout)
	}()
}

// stopping counts the tables of stopped sinks whose subscribers are still
// being closed.
var stopping sync.WaitGroup

// Drain waits, at most timeout, until the tables of every stopped serve
// sink of the process have sent their subscribers the final messages and
// closed them. A process calls it before it exits.
func Drain(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { stopping.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// StateStats reports the table's rows and bytes (component.StateReporter).
func (s *sink) StateStats() component.StateStats {
	if s.t == nil {
		return component.StateStats{}
	}
	return s.t.StateStats()
}

// Table returns the sink's table (nil while validating).
func (s *sink) Table() *Table { return s.t }
