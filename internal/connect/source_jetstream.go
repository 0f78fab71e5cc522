package connect

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// Slots of the jetstream source's dead-letter fields, in declaration order.
const (
	jdlStream = iota
	jdlSubject
	jdlSeq
	jdlLine
	jdlError
	jdlRaw
	jdlFieldCount
)

var jsDeadLetterFields = [jdlFieldCount]event.Field{
	{Name: "stream", Kind: event.String, Required: true},
	{Name: "subject", Kind: event.String, Required: true},
	{Name: "seq", Kind: event.Int, Required: true},
	{Name: "line", Kind: event.Int, Required: true},
	{Name: "error", Kind: event.String, Required: true},
	{Name: "raw", Kind: event.String, Required: true},
}

// jsAckWait is how long the server waits for the acknowledgement of a
// delivered message before it delivers it again. The source acknowledges
// at each committed checkpoint, so this must exceed the checkpoint
// interval; a redelivery is recognised by its sequence and skipped anyway.
const jsAckWait = 5 * time.Minute

func jetstreamSourceSpec(n *NATS) *component.Spec {
	file := fileSourceSpec()
	fileOpt := func(name string) component.Option {
		o, ok := file.Option(name)
		if !ok {
			panic("BUG: file source has no option " + name)
		}
		return *o
	}
	opts := streamOptions()
	opts = append(opts,
		component.Option{Name: "consumer", Type: component.String, Default: "",
			Doc: "Name of the durable pull consumer. Default: `<tenant>-<component>`. At start the source creates it afresh at the position the tenant's checkpoint recorded; without a checkpoint, an existing consumer resumes after the last message it acknowledged."},
		component.Option{Name: "partition", Type: component.Int, Default: int64(-1), HasMin: true, Min: -1, HasMax: true, Max: 1023,
			Doc: "Read one partition (0 to partitions-1) instead of all (-1). `run --instance` runs the pipeline once per partition it owns, with this set."},
		component.Option{Name: "start", Type: component.Enum, Default: "first", Enum: []string{"first", "new"},
			Doc: "Where a consumer without a checkpoint or an acknowledged position starts: `first`, the stream's first message; `new`, messages published from then on."},
		component.Option{Name: "stop_at_end", Type: component.Bool, Default: false,
			Doc: "Finish once every message the partitions held when the source reached their end is read. Default: read for ever, waiting for more."},
		component.Option{Name: "fetch", Type: component.Int, Default: int64(500), HasMin: true, Min: 1, HasMax: true, Max: 100000,
			Doc: "Messages one pull asks for (the pull consumer's batch); the source holds at most twice that."},
		fileOpt("schema"), fileOpt("required"), fileOpt("timestamp"), fileOpt("type_name"),
		component.Option{Name: "on_error", Type: component.Enum, Default: onErrorReject, Enum: []string{onErrorReject, onErrorDead},
			Doc: "reject counts and drops a bad line (a line that is not a JSON object of the schema) and reports the first few as `stream \"S\" message 17 line 2: ...`; dead_letter sends it to the dead_letter side output (fields stream, subject, seq, line, error, raw)."},
	)
	return &component.Spec{
		Type: "jetstream",
		Kind: component.KindSource,
		Doc: "Reads a NATS JetStream stream with a durable pull consumer: each message holds one JSON object, or several as JSON lines, " +
			"decoded into the declared schema as the file source decodes lines. The pull consumer and the reads run on goroutines " +
			"of their own; the source hands what arrived to the pipeline and costs nothing while the stream is quiet. " +
			"Checkpoints record the stream sequence (and line) reached, and the source acknowledges the messages up to a checkpoint's " +
			"position once that checkpoint is durable: a restart resumes exactly there. " +
			"Subjects are partitioned: the source reads every partition, or one (`partition`), which lets several instances share a stream.",
		Options:     opts,
		SideOutputs: []string{"dead_letter"},
		Claims:      jetstreamSourceClaims,
		New:         func(ctx *component.Context) (*component.Instance, error) { return newJetstreamSource(ctx, n) },
	}
}

// jsSource is the jetstream source instance. Read, Snapshot, Restore and
// Checkpointing run on its actor's goroutine; Committed on the engine's
// checkpoint goroutine; the pull and the acknowledgements on goroutines of
// their own.
type jsSource struct {
	nats      *NATS
	ref       streamRef
	partition int
	consumer  string
	start     string
	stopAtEnd bool
	fetch     int
	connName  string

	dec      *decoder
	schemaID uint32
	tsSlot   int
	now      func() time.Time

	deadLetter bool
	deadID     uint32
	deadSlots  []int
	deadWidth  int
	reject     func(error)
	wake       func()

	// The position: the stream sequence of the last message wholly read,
	// and of a message partly read with how many of its lines are.
	done      uint64
	partSeq   uint64
	partLines int64

	// Set by Open.
	nc    *nats.Conn
	js    jetstream.JetStream
	ccfg  jetstream.ConsumerConfig // the consumer as Open created it
	queue chan jetstream.Msg
	stop  chan struct{}
	// life is cancelled by Close: it ends the pull goroutine's requests.
	life       context.Context
	cancelLife context.CancelFunc
	wg         sync.WaitGroup
	fatal      atomic.Pointer[error]
	closed     bool
	// The pull goroutine's iterator; itMu guards it: the pull goroutine
	// replaces it when it starts the consumer again, Close stops it.
	itMu   sync.Mutex
	it     jetstream.MessagesContext
	reader string // names this Open's consumers (their metadata)
	from   uint64 // the stream sequence the current consumer delivers from
	// quietCheck is jsQuietCheck (tests shorten it).
	quietCheck time.Duration

	// The message being read.
	cur        jetstream.Msg
	curSeq     uint64
	curData    []byte
	curOff     int
	curLine    int64
	curPending uint64
	skip       int64 // lines of cur read before the restore
	endSeen    bool  // a message said nothing was pending after it
	lastDone   jetstream.Msg

	acks acker
}

func newJetstreamSource(ctx *component.Context, n *NATS) (*component.Instance, error) {
	r := component.NewReader(jetstreamSourceSpec(nil), ctx.Options)
	ref := readStream(r)
	s := &jsSource{
		nats: n, ref: ref, partition: int(r.Int("partition")), consumer: r.String("consumer"),
		start: r.String("start"), stopAtEnd: r.Bool("stop_at_end"), fetch: int(r.Int("fetch")),
		now: ctx.Now, reject: ctx.Reject, wake: ctx.Wake, tsSlot: -1, quietCheck: jsQuietCheck,
	}
	if s.consumer == "" {
		s.consumer = defaultConsumer(ctx.Tenant, ctx.Name)
	} else if !streamNameRE.MatchString(s.consumer) {
		r.Fail(r.At("consumer"), "consumer name %q: use letters, digits, _ and -", s.consumer)
	}
	if ref.given && s.partition >= ref.partitions {
		r.Fail(r.At("partition"), "partition %d of %d partitions: use 0 to %d, or -1 for all", s.partition, ref.partitions, ref.partitions-1)
	}
	fields, _, _, required, tsName := readDeclared(r)
	onError := r.String("on_error")
	if err := r.Err(); err != nil {
		return nil, err
	}
	typeName := cmp.Or(r.String("type_name"), ctx.Name, "jetstream")
	schema, slots, dead, deadSlots, err := bindDeclared(ctx, typeName, fields, required, jsDeadLetterFields[:])
	if err != nil {
		return nil, err
	}
	ff := make([]fileField, len(fields))
	var req []int
	for i, f := range fields {
		ff[i] = fileField{name: f.Name, kind: f.Kind, slot: slots[i]}
		if f.Required {
			req = append(req, i)
		}
		if f.Name == tsName {
			s.tsSlot = slots[i]
		}
	}
	s.dec = newDecoder(ff, req, schema.Width())
	s.schemaID = schema.ID
	s.deadLetter, s.deadID, s.deadSlots, s.deadWidth = onError == onErrorDead, dead.ID, deadSlots, dead.Width()
	if s.now == nil {
		s.now = time.Now
	}
	s.connName = fmt.Sprintf("greenwave %s/%s#%d", ctx.Tenant, ctx.Name, ctx.Instance)
	return &component.Instance{Source: s, Schema: schema, SideSchemas: []*event.Schema{dead}}, nil
}

// defaultConsumer names a source's consumer after its tenant and name.
func defaultConsumer(tenant, name string) string {
	c := []byte(tenant + "-" + name)
	for i, b := range c {
		if !(b == '-' || b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z') {
			c[i] = '_'
		}
	}
	return string(c)
}

// jetstreamSourceClaims claims the consumer: two sources sharing one would
// split its messages between them.
func jetstreamSourceClaims(ctx *component.Context) []component.Claim {
	r := component.NewReader(jetstreamSourceSpec(nil), ctx.Options)
	name := r.String("consumer")
	at := r.At("consumer")
	if name == "" {
		name, at = defaultConsumer(ctx.Tenant, ctx.Name), r.At("stream")
	}
	return []component.Claim{{
		Kind: "jetstream consumer", Key: r.String("url") + " " + r.String("stream") + " " + name,
		Path: at, Value: name, Verb: "read by",
	}}
}

// Open connects, makes sure the stream exists, creates the consumer at the
// position to resume from and starts pulling.
func (s *jsSource) Open(ctx context.Context) error {
	nc, js, err := s.nats.jsOpen(ctx, s.ref.url, s.connName)
	if err != nil {
		return err
	}
	s.nc = nc
	if err := s.openConsumer(ctx, js); err != nil {
		nc.Close()
		s.nc = nil
		return err
	}
	return nil
}

func (s *jsSource) openConsumer(ctx context.Context, js jetstream.JetStream) error {
	n, err := s.ref.ensure(ctx, js)
	if err != nil {
		return err
	}
	if s.partition >= n {
		return fmt.Errorf("partition %d of stream %q, which has %d partitions", s.partition, s.ref.name, n)
	}
	// Where to start: after the checkpoint's position; else after what the
	// consumer acknowledged; else as `start` says.
	var startSeq uint64
	switch {
	case s.partLines > 0:
		startSeq = s.partSeq
	case s.done > 0:
		startSeq = s.done + 1
	}
	old, err := js.Consumer(ctx, s.ref.name, s.consumer)
	switch {
	case err == nil:
		if startSeq == 0 {
			if floor := old.CachedInfo().AckFloor.Stream; floor > 0 {
				startSeq, s.done = floor+1, floor
			}
		}
		// Created afresh: its deliveries start at the position, and a
		// reader still holding the old one (an instance that lost this
		// partition) can take nothing from the new one.
		if err := js.DeleteConsumer(ctx, s.ref.name, s.consumer); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return fmt.Errorf("cannot replace consumer %q of stream %q: %w", s.consumer, s.ref.name, err)
		}
	case !errors.Is(err, jetstream.ErrConsumerNotFound):
		return fmt.Errorf("cannot look up consumer %q of stream %q: %w", s.consumer, s.ref.name, err)
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       s.consumer,
		FilterSubject: s.ref.filter(s.partition),
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       jsAckWait,
		MaxAckPending: -1,
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	switch {
	case startSeq > 0:
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, startSeq
	case s.start == "new":
		cfg.DeliverPolicy = jetstream.DeliverNewPolicy
	}
	s.js, s.ccfg = js, cfg
	var id [8]byte
	_, _ = rand.Read(id[:])
	s.reader = s.connName + " " + hex.EncodeToString(id[:])
	cons, err := s.createConsumer(ctx, cfg)
	if err != nil {
		return err
	}
	s.endSeen = cons.CachedInfo().NumPending == 0
	it, err := cons.Messages(s.pullOpts()...)
	if err != nil {
		return fmt.Errorf("cannot pull from consumer %q of stream %q: %w", s.consumer, s.ref.name, err)
	}
	s.it = it
	s.queue = make(chan jetstream.Msg, s.fetch)
	s.stop = make(chan struct{})
	s.life, s.cancelLife = context.WithCancel(context.Background())
	s.acks.start(&s.wg, s.stop)
	s.wg.Add(1)
	go s.pull()
	return nil
}

// Read decodes the lines of the queued messages, up to max events.
func (s *jsSource) Read(out *component.Output, max int) (component.ReadResult, error) {
	if err := s.fatal.Load(); err != nil {
		return component.ReadResult{}, *err
	}
	if s.queue == nil {
		return component.ReadResult{}, errors.New("BUG: jetstream source read before Open")
	}
	now := s.now().UnixNano()
	n := 0
	for n < max {
		if s.cur == nil && !s.take() {
			break
		}
		for n < max && s.curOff < len(s.curData) {
			line := s.curData[s.curOff:]
			if i := bytes.IndexByte(line, '\n'); i >= 0 {
				line = line[:i]
				s.curOff += i + 1
			} else {
				s.curOff = len(s.curData)
			}
			s.curLine++
			if s.curLine <= s.skip || isBlank(line) {
				continue
			}
			n++
			e := out.Next()
			if err := s.dec.decode(line, e); err != nil {
				out.Unemit()
				s.fail(out, line, err, now)
				continue
			}
			e.Schema, e.Created = s.schemaID, now
			if s.tsSlot >= 0 {
				e.Time = int64(e.Fields[s.tsSlot].N)
			}
		}
		if s.curOff >= len(s.curData) {
			s.done, s.lastDone, s.cur = s.curSeq, s.cur, nil
			s.endSeen = s.curPending == 0
		}
	}
	if n > 0 {
		return component.ReadResult{}, nil
	}
	if s.stopAtEnd && s.endSeen && s.cur == nil && len(s.queue) == 0 {
		return component.ReadResult{Done: true}, nil
	}
	return component.ReadResult{Idle: component.PushReady}, nil
}

// take makes the next queued message the current one, skipping
// redeliveries of messages already read. It reports false when the queue
// is empty.
func (s *jsSource) take() bool {
	for {
		var m jetstream.Msg
		select {
		case m = <-s.queue:
		default:
			return false
		}
		md, err := m.Metadata()
		if err != nil {
			continue // not a JetStream message
		}
		seq := md.Sequence.Stream
		if seq <= s.done {
			continue // delivered again; read already
		}
		s.cur, s.curSeq, s.curData, s.curOff, s.curLine, s.curPending = m, seq, m.Data(), 0, 0, md.NumPending
		s.skip = 0
		if seq == s.partSeq {
			s.skip = s.partLines
		}
		s.partSeq, s.partLines = 0, 0
		return true
	}
}

// fail handles a bad line: a dead-letter event on side output 0, or a
// reject.
func (s *jsSource) fail(out *component.Output, raw []byte, err error, now int64) {
	if s.deadLetter {
		e := out.Side(0).Next()
		e.Schema, e.Created = s.deadID, now
		f := fieldsOf(e, s.deadWidth)
		clear(f)
		f[s.deadSlots[jdlStream]] = event.StringValue(s.ref.name)
		f[s.deadSlots[jdlSubject]] = event.StringValue(s.cur.Subject())
		f[s.deadSlots[jdlSeq]] = event.IntValue(int64(s.curSeq))
		f[s.deadSlots[jdlLine]] = event.IntValue(s.curLine)
		f[s.deadSlots[jdlError]] = event.StringValue(err.Error())
		f[s.deadSlots[jdlRaw]] = event.StringValue(string(raw))
		return
	}
	if s.reject != nil {
		s.reject(&MessageError{Stream: s.ref.name, Seq: s.curSeq, Line: s.curLine, Err: err})
	}
}

// Checkpointing notes which message a checkpoint's snapshot reaches, to
// acknowledge it once that checkpoint commits.
func (s *jsSource) Checkpointing(id uint64) { s.acks.note(id, s.lastDone) }

// Committed acknowledges every message up to the position of checkpoint
// id (AckAll): the consumer then shows the position durably reached.
func (s *jsSource) Committed(id uint64) { s.acks.commit(id) }

// Close stops pulling and closes the connection.
func (s *jsSource) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.stop != nil {
		close(s.stop)
		s.cancelLife()
		s.itMu.Lock()
		s.it.Stop()
		s.itMu.Unlock()
		s.wg.Wait()
	}
	if s.nc != nil {
		s.nc.Close()
	}
	return nil
}

// MessageError is an error about one line of a message of a stream.
type MessageError struct {
	Stream string
	Seq    uint64
	Line   int64
	Err    error
}

func (e *MessageError) Error() string {
	return fmt.Sprintf("stream %q message %d line %d: %v", e.Stream, e.Seq, e.Line, e.Err)
}

func (e *MessageError) Unwrap() error { return e.Err }

// acker acknowledges, on a goroutine of its own, the message each
// committed checkpoint reached. Its methods are safe for concurrent use.
type acker struct {
	mu      sync.Mutex
	noted   []notedAck
	next    jetstream.Msg // to acknowledge
	signal  chan struct{}
	running bool
}

type notedAck struct {
	id  uint64
	msg jetstream.Msg
}

func (a *acker) start(wg *sync.WaitGroup, stop <-chan struct{}) {
	a.mu.Lock()
	a.signal = make(chan struct{}, 1)
	a.running = true
	a.mu.Unlock()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-a.signal:
			}
			a.mu.Lock()
			m := a.next
			a.next = nil
			a.mu.Unlock()
			if m != nil {
				_ = m.Ack() // AckAll: acknowledges every message before it too
			}
		}
	}()
}

// note records that checkpoint id's snapshot reached m (nil: nothing read
// yet).
func (a *acker) note(id uint64, m jetstream.Msg) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if m == nil {
		return
	}
	a.noted = append(a.noted, notedAck{id: id, msg: m})
}

// commit schedules the acknowledgement of the newest message noted for a
// checkpoint up to id.
func (a *acker) commit(id uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := 0
	for k < len(a.noted) && a.noted[k].id <= id {
		a.next = a.noted[k].msg
		k++
	}
	a.noted = append(a.noted[:0], a.noted[k:]...)
	if k > 0 && a.running {
		select {
		case a.signal <- struct{}{}:
		default:
		}
	}
}
