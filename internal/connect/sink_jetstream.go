package connect

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
	"github.com/greenwave/greenwave/internal/event"
)

func jetstreamSinkSpec(n *NATS) *component.Spec {
	opts := streamOptions()
	opts = append(opts,
		component.Option{Name: "key", Type: component.StringList,
			Doc: "Fields whose values, joined by `_`, are a message's key: the last token of its subject, which decides its partition. Characters a subject token cannot hold become `_`. Empty: every message has the key `_`."},
		component.Option{Name: "batch", Type: component.Int, Default: int64(1000), HasMin: true, Min: 1, HasMax: true, Max: 100000,
			Doc: "Most events per message: the events bound for one partition go out together, as JSON lines, under the key of the first. The stream writes each message to disk before it acknowledges it, so larger messages mean more events per disk sync."},
		component.Option{Name: "batch_bytes", Type: component.Size, Default: int64(512 << 10), HasMin: true, Min: 1 << 10, HasMax: true, Max: 8 << 20,
			Doc: "Most bytes per message (a single larger event goes out alone). Keep it under the server's max_payload (1MB by default)."},
		component.Option{Name: "linger", Type: component.Duration, Default: 10 * time.Millisecond, HasMin: true,
			Doc: "Longest an event waits for its message to fill before the message goes out anyway; 0 sends what each batch of the pipeline brings at once."},
		component.Option{Name: "max_in_flight", Type: component.Int, Default: int64(65536), HasMin: true, Min: 1,
			Doc: "Most events handed to the sink and not yet acknowledged by the stream. At the bound the sink takes nothing more: its input edge fills and its when_full policy applies."},
		component.Option{Name: "publish_timeout", Type: component.Duration, Default: time.Minute, HasMin: true, Min: float64(time.Second),
			Doc: "How long the sink keeps publishing a message again (with the same Nats-Msg-Id, so the stream keeps one copy) that the stream did not acknowledge, before it gives up and fails the tenant. A cluster elects a new leader within seconds of losing a node."},
	)
	return &component.Spec{
		Type: "jetstream",
		Kind: component.KindSink,
		Doc: "Publishes events to a NATS JetStream stream as JSON lines, several events per message, each message on `<subject>.<key>`. " +
			"It hands messages over and awaits the stream's acknowledgements on goroutines of its own, holding at most max_in_flight events; " +
			"a slow stream fills its input edge. Each message carries a Nats-Msg-Id made of the sink's lineage, the partition, the " +
			"index of its first event and its content's hash, so a message published again after a crash or a lost acknowledgement " +
			"is stored once. With checkpoints the output is exactly once across crashes when the pipeline is deterministic (the " +
			"same input gives the same output in the same order, as counts with emit update or event-time windows do): a restart " +
			"reads back what was published after its checkpoint and does not publish it again. " +
			"Runs one instance beside each instance of its upstream.",
		Options:  opts,
		Parallel: true,
		New:      func(ctx *component.Context) (*component.Instance, error) { return newJetstreamSink(ctx, n) },
	}
}

// jsSink is the jetstream sink instance. Process, Tick, Flush, Snapshot
// and Restore run on its actor's goroutine; the publisher on goroutines of
// its own.
type jsSink struct {
	nats     *NATS
	ref      streamRef
	connName string
	keyNames []string
	cache    schemaCache
	keyBy    map[uint32][]int // key slots by schema id (-1: absent)
	lf       lineFormat

	batch, batchBytes int
	linger            time.Duration
	maxInFlight       int
	pubTimeout        time.Duration
	closeTimeout      time.Duration
	ack               func(int, error)

	// lineage names the sink's output across restores; next[p] is the
	// index, among the events bound for partition p, of the next one.
	lineage  uint64
	next     []int64
	seqFloor uint64
	resumed  bool
	resume   *published // set by Open after a restore

	parts   []jsPart
	tok     []byte
	line    []byte
	pub     *publisher
	skipped int64
}

// jsPart is the message being filled for one partition.
type jsPart struct {
	buf   []byte
	n     int
	first int64
	key   []byte
	since time.Time
}

func newJetstreamSink(ctx *component.Context, n *NATS) (*component.Instance, error) {
	r := component.NewReader(jetstreamSinkSpec(nil), ctx.Options)
	ref := readStream(r)
	s := &jsSink{
		nats: n, ref: ref, keyNames: r.StringList("key"),
		batch: int(r.Int("batch")), batchBytes: int(r.Size("batch_bytes")), linger: r.Duration("linger"),
		maxInFlight: int(r.Int("max_in_flight")), pubTimeout: r.Duration("publish_timeout"),
		closeTimeout: ctx.CloseTimeout, ack: ctx.Ack, keyBy: map[uint32][]int{},
		cache: schemaCache{inputs: ctx.Inputs, reg: ctx.Registry},
	}
	s.lf = lineFormat{cache: s.cache}
	for port, in := range ctx.Inputs {
		for i, name := range s.keyNames {
			if _, ok := in.Slot(name); !ok {
				r.Fail(r.At("key").Index(i), "field %s is not in input %d (fields: %s)%s", diag.Quote(name), port+1,
					diag.QuoteList(in.Names()), diag.DidYouMean(name, in.Names()))
			}
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if s.closeTimeout <= 0 {
		s.closeTimeout = 5 * time.Second
	}
	s.connName = fmt.Sprintf("greenwave %s/%s#%d", ctx.Tenant, ctx.Name, ctx.Instance)
	return &component.Instance{Operator: s}, nil
}

// MaxInFlight bounds the events handed over and not yet acknowledged.
func (s *jsSink) MaxInFlight() int { return s.maxInFlight }

// Open connects, makes sure the stream exists and, after a restore, reads
// what was published after the checkpoint.
func (s *jsSink) Open(ctx context.Context) error {
	nc, js, err := s.nats.jsOpen(ctx, s.ref.url, s.connName,
		jetstream.WithPublishAsyncMaxPending(max(s.maxInFlight, 256)),
		jetstream.WithPublishAsyncTimeout(min(5*time.Second, s.pubTimeout)))
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			nc.Close()
		}
	}()
	parts, err := s.ref.ensure(ctx, js)
	if err != nil {
		return err
	}
	if s.resumed && len(s.next) != parts {
		s.nats.logf("%s: stream %q has %d partitions, the checkpoint %d: its output starts afresh", strings.TrimPrefix(s.connName, "greenwave "), s.ref.name, parts, len(s.next))
		s.resumed = false
	}
	st, err := js.Stream(ctx, s.ref.name)
	if err != nil {
		return fmt.Errorf("cannot look up stream %q: %w", s.ref.name, err)
	}
	last := st.CachedInfo().State.LastSeq
	if !s.resumed {
		s.lineage = rand.Uint64() | 1
		s.next = make([]int64, parts)
		s.seqFloor = last
	} else if last > s.seqFloor {
		if s.resume, err = readPublished(ctx, js, s.ref, s.lineage, s.seqFloor, last); err != nil {
			return err
		}
	}
	s.parts = make([]jsPart, parts)
	s.pub = newPublisher(nc, js, s.ref.name, s.ack, s.pubTimeout, s.seqFloor)
	ok = true
	return nil
}

// keySlots returns the key fields' slots in e's schema. A schema that
// evolves keeps its fields' slots, so they are looked up once per id.
func (s *jsSink) keySlots(e *event.Event) ([]int, error) {
	if slots, ok := s.keyBy[e.Schema]; ok {
		return slots, nil
	}
	sc, err := s.cache.get(e.Schema, len(e.Fields))
	if err != nil {
		return nil, err
	}
	slots := make([]int, len(s.keyNames))
	for i, name := range s.keyNames {
		slots[i] = -1
		if slot, ok := sc.Slot(name); ok {
			slots[i] = slot
		}
	}
	s.keyBy[e.Schema] = slots
	return slots, nil
}

// Process adds each event to its partition's message, sending the
// messages that fill up.
func (s *jsSink) Process(_ int, in []event.Event, _ *component.Output) error {
	if s.pub == nil {
		return fmt.Errorf("BUG: jetstream sink %s used before Open", s.connName)
	}
	skipped := 0
	var now time.Time
	for i := range in {
		e := &in[i]
		slots, err := s.keySlots(e)
		if err != nil {
			return fmt.Errorf("stream %q: %w", s.ref.name, err)
		}
		s.tok = s.tok[:0]
		for k, slot := range slots {
			if k > 0 {
				s.tok = append(s.tok, '_')
			}
			v := event.Value{}
			if slot >= 0 && slot < len(e.Fields) {
				v = e.Fields[slot]
			}
			s.tok = appendToken(s.tok, v)
		}
		if len(slots) == 0 {
			s.tok = append(s.tok, '_')
		}
		p := partitionOf(s.tok, len(s.parts))
		idx := s.next[p]
		s.next[p]++
		if s.line, err = s.lf.append(s.line[:0], e); err != nil {
			return fmt.Errorf("stream %q: %w", s.ref.name, err)
		}
		if s.resume != nil && s.resume.covers(p, idx) {
			if s.resume.has(p, idx, lineHash(s.line[:len(s.line)-1])) {
				skipped++
				continue
			}
			s.resume.diverged(p, idx, s)
		}
		part := &s.parts[p]
		if part.n > 0 && len(part.buf)+len(s.line) > s.batchBytes {
			s.emit(p)
		}
		if part.n == 0 {
			if now.IsZero() {
				now = time.Now()
			}
			part.first, part.since = idx, now
			part.key = append(part.key[:0], s.tok...)
		}
		part.buf = append(part.buf, s.line...)
		part.n++
		if part.n >= s.batch || len(part.buf) >= s.batchBytes {
			s.emit(p)
		}
	}
	if s.resume != nil && s.resume.passed(s.next) {
		s.resume = nil
	}
	if skipped > 0 {
		s.skipped += int64(skipped)
		s.ack(skipped, nil)
	}
	if s.linger == 0 {
		s.emitAll()
	}
	return nil
}

// emit sends partition p's message.
func (s *jsSink) emit(p int) {
	part := &s.parts[p]
	if part.n == 0 {
		return
	}
	body := part.buf
	id := msgID(s.lineage, p, part.first, part.n, lineHash(body))
	s.pub.send(&outMsg{subject: s.ref.subject + "." + string(part.key), id: id, data: body, n: part.n})
	part.buf = make([]byte, 0, min(cap(body), s.batchBytes+4096))
	part.n = 0
}

func (s *jsSink) emitAll() {
	for p := range s.parts {
		s.emit(p)
	}
}

// TickEvery is the linger time: a partly filled message waits no longer.
func (s *jsSink) TickEvery() time.Duration { return s.linger }

// Tick sends the messages that have waited for the linger time.
func (s *jsSink) Tick(now time.Time, _ *component.Output) error {
	for p := range s.parts {
		if part := &s.parts[p]; part.n > 0 && now.Sub(part.since) >= s.linger {
			s.emit(p)
		}
	}
	return nil
}

// Flush sends every partly filled message; the engine then waits for their
// acknowledgements before Close.
func (s *jsSink) Flush(*component.Output) error {
	if s.pub != nil {
		s.emitAll()
	}
	return nil
}

// Close waits for the messages still unacknowledged (at most the close
// timeout: a failing tenant does not wait for a stream that is down) and
// closes the connection.
func (s *jsSink) Close() error {
	if s.pub == nil {
		return nil
	}
	s.pub.close(s.closeTimeout)
	return nil
}

// msgID is a message's Nats-Msg-Id: lineage, partition, index of the first
// event, events, hash of the body.
func msgID(lineage uint64, p int, first int64, n int, hash uint64) string {
	b := make([]byte, 0, 64)
	b = strconv.AppendUint(b, lineage, 16)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(p), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, first, 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, hash, 16)
	return string(b)
}

// lineHash hashes one line (or a body) of output.
func lineHash(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}
