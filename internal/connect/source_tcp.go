package connect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/inbox"
)

const (
	ackNone = "none"
	ackLine = "line"
)

func tcpSourceSpec() *component.Spec {
	opts := []component.Option{addressOption("127.0.0.1:9000")}
	opts = append(opts, decodeOptions()...)
	opts = append(opts,
		component.Option{Name: "ack", Type: component.Enum, Default: ackNone, Enum: []string{ackNone, ackLine, ackDurable},
			Doc: "`line` answers every line on the connection, in order, once it is in the source's queue: " +
				"`ok <n>` or, for a bad line, `error <n>: <message>`, n counting the connection's lines from 1; a crash " +
				"before the next checkpoint loses the lines answered `ok`. `durable` answers the same way, but only once a " +
				"checkpoint holding the line's event has committed (up to a checkpoint interval later; the connection is read " +
				"on meanwhile): a line answered `ok` survives a crash, and a crash before the commit leaves its line " +
				"unanswered, for the client to send again. A line not known to be durable within ack_timeout is answered " +
				"`error <n>: ...` saying so. Needs checkpoints (`run --state-dir`): without them it is an error."},
	)
	opts = append(opts, durableOptions("lines", 1<<18, "when they are, connections are not read until "+
		"a commit answers some (TCP backpressure).")...)
	opts = append(opts,
		maxConnectionsOption(),
		tlsOption(),
		component.Option{Name: "idle_timeout", Type: component.Duration, Default: 5 * time.Minute, HasMin: true,
			Doc: "A connection that sends nothing for this long is closed (0: never)."},
		component.Option{Name: "queue", Type: component.Count, Default: int64(16384), HasMin: true, Min: 2, HasMax: true, Max: 1 << 24,
			Doc: "Events the source's queue holds between the connections and the pipeline (rounded up to a power of two)."},
		component.Option{Name: "batch", Type: component.Int, Default: int64(64), HasMin: true, Min: 1, HasMax: true, Max: 4096,
			Doc: "Most lines a connection queues at once, and most events the source hands the pipeline per turn."},
	)
	return &component.Spec{
		Type: "tcp",
		Kind: component.KindSource,
		Doc: "Takes newline-delimited JSON over TCP connections, each line decoded into the declared schema as the " +
			"file source does (lines up to 1 MiB). Each connection is read on a goroutine of its own, a few lines " +
			"at a time (what has arrived, at most `batch`); when the source's queue is full the connection is " +
			"not read until there is room, so the client's writes block (TCP backpressure): nothing is dropped. " +
			"A stop stops accepting connections, takes the complete lines each connection has delivered, and " +
			"closes it.",
		Options:     opts,
		SideOutputs: []string{"dead_letter"},
		Claims:      func(ctx *component.Context) []component.Claim { return listenClaim(ctx, tcpSourceSpec()) },
		New:         newTCPSource,
	}
}

// tcpSource is the tcp source. Read, Stop and Close are called by the
// actor; each connection is served on a goroutine of its own.
type tcpSource struct {
	listen netListen
	dec    *netDecoding
	ack    bool // ack: line or durable
	// durable is set for ack: durable, with commits and durableAck.
	durable    bool
	durableAck durableSetup
	commits    *inbox.Commits
	idle       time.Duration
	batch      int
	reject     func(error)
	wake       func()
	side       func(e *event.Event) int

	q        *inbox.Inbox
	ln       net.Listener
	conns    sync.WaitGroup // the accept loop and every connection
	mu       sync.Mutex
	open     map[net.Conn]struct{}
	stopping atomic.Bool
	stopped  atomic.Bool
	stopOne  sync.Once

	accepted, rejected, connections, connWaits atomic.Uint64
}

func newTCPSource(ctx *component.Context) (*component.Instance, error) {
	r := component.NewReader(tcpSourceSpec(), ctx.Options)
	s := &tcpSource{reject: ctx.Reject, wake: ctx.Wake, open: map[net.Conn]struct{}{}}
	s.listen = readNetListen(r, ctx.Dir)
	ack := r.String("ack")
	s.ack = ack != ackNone
	if s.durable = ack == ackDurable; s.durable {
		s.durableAck = readDurable(r, ctx, r.At("ack"))
	}
	s.idle = r.Duration("idle_timeout")
	queue := r.Int("queue")
	s.batch = int(r.Int("batch"))
	dec, err := readNetDecoding(r, ctx, "")
	if err != nil {
		return nil, err
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	s.dec, s.side = dec, dec.side
	if !ctx.Validating {
		s.q = inbox.New(inbox.Config{Capacity: int(queue), Width: dec.maxWidth(), Wake: ctx.Wake, Whole: s.durable})
		if s.durable {
			s.commits = s.durableAck.commits()
		}
	}
	return &component.Instance{Source: s, Schema: dec.schema, SideSchemas: []*event.Schema{dec.dead}}, nil
}

// Open binds the address and starts accepting connections.
func (s *tcpSource) Open(ctx context.Context) error {
	ln, err := s.listen.listen(ctx, &s.connWaits)
	if err != nil {
		return err
	}
	s.ln = ln
	s.conns.Add(1)
	go s.accept()
	return nil
}

// Addr returns the address the source listens on, once open.
func (s *tcpSource) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

func (s *tcpSource) accept() {
	defer s.conns.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(5 * time.Millisecond) // a transient error (out of descriptors)
			continue
		}
		s.mu.Lock()
		if s.stopping.Load() {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.open[c] = struct{}{}
		s.conns.Add(1)
		s.mu.Unlock()
		s.connections.Add(1)
		go s.serve(c)
	}
}

// tcpAck is one line's answer under ack: line or durable.
type tcpAck struct {
	line int64
	err  error
}

// serve reads one connection: it decodes the lines that have arrived (at
// most batch), queues them, waiting as long as it takes for room (the
// client's writes block meanwhile), and answers them under ack: line, or
// hands them to the connection's durableAcks under ack: durable.
func (s *tcpSource) serve(c net.Conn) {
	defer s.conns.Done()
	defer func() {
		s.mu.Lock()
		delete(s.open, c)
		s.mu.Unlock()
		c.Close()
	}()
	from := "tcp from " + c.RemoteAddr().String()
	lr := newLineReader(c)
	var bw *bufio.Writer
	var da *durableAcks
	switch {
	case s.durable:
		da = s.startDurableAcks(c)
		defer da.finish()
	case s.ack:
		bw = bufio.NewWriter(c)
	}
	dec := s.dec.decoder()
	defer s.dec.release(dec)
	var (
		evs  []event.Event
		n    int
		acks []tcpAck
		line int64
		ackb []byte
	)
	flush := func() bool {
		if da != nil {
			ok := da.queue(evs[:n], acks)
			n, acks = 0, acks[:0]
			return ok
		}
		if n > 0 {
			if _, ok := s.putAll(evs[:n]); !ok {
				return false
			}
			s.accepted.Add(uint64(n))
		}
		n = 0
		if bw != nil && len(acks) > 0 {
			for _, a := range acks {
				ackb = ackb[:0]
				if a.err == nil {
					ackb = append(ackb, "ok "...)
					ackb = strconv.AppendInt(ackb, a.line, 10)
				} else {
					ackb = append(ackb, "error "...)
					ackb = strconv.AppendInt(ackb, a.line, 10)
					ackb = append(ackb, ": "...)
					ackb = append(ackb, a.err.Error()...)
				}
				ackb = append(ackb, '\n')
				if _, err := bw.Write(ackb); err != nil {
					return false
				}
			}
			if bw.Flush() != nil {
				return false
			}
		}
		acks = acks[:0]
		return true
	}
	for {
		if s.idle > 0 && !lineBuffered(lr.r) {
			// Under the lock, so that a deadline Stop sets is not
			// overwritten.
			s.mu.Lock()
			if !s.stopping.Load() {
				_ = c.SetReadDeadline(time.Now().Add(s.idle))
			}
			s.mu.Unlock()
		}
		b, err := lr.next()
		if err == nil || errors.Is(err, errLineTooLong) {
			line++
			if !isBlank(b) || err != nil {
				if n == len(evs) {
					evs = append(evs, event.Event{})
				}
				e := &evs[n]
				now := time.Now().UnixNano()
				derr := err
				if derr == nil {
					derr = s.dec.decode(dec, b, e, now)
				}
				if derr == nil {
					n++
				} else {
					s.rejected.Add(1)
					if s.dec.deadLetter {
						s.dec.deadLetterEvent(e, from, line, derr, b, now)
						n++
					} else if s.reject != nil {
						s.reject(&netRecordError{From: from, Line: line, Err: derr})
					}
				}
				if s.ack {
					acks = append(acks, tcpAck{line: line, err: derr})
				}
			}
			if n < s.batch && len(acks) < s.batch && lineBuffered(lr.r) {
				continue
			}
			if !flush() {
				return
			}
			continue
		}
		// End of stream, idle timeout, stop, or a broken connection:
		// queue what was read, then close.
		flush()
		return
	}
}

// lineBuffered reports whether r holds a complete line, which the next read
// returns without waiting for the network.
func lineBuffered(r *bufio.Reader) bool {
	b, _ := r.Peek(r.Buffered())
	return bytes.IndexByte(b, '\n') >= 0
}

// putAll queues evs, waiting for room as long as it takes (Close wakes
// it), and returns their end position (inbox.Inbox.Put); false when the
// source closed first.
func (s *tcpSource) putAll(evs []event.Event) (uint64, bool) {
	for {
		end, err := s.q.Put(evs, time.Now().Add(time.Hour))
		if err == nil {
			return end, true
		}
		if errors.Is(err, inbox.ErrClosed) {
			return 0, false
		}
	}
}

// Read hands the pipeline up to batch queued events.
func (s *tcpSource) Read(out *component.Output, max int) (component.ReadResult, error) {
	if s.q == nil {
		return component.ReadResult{Done: true}, nil
	}
	if s.q.Take(out, min(max, s.batch), s.side) > 0 {
		return component.ReadResult{}, nil
	}
	if s.stopped.Load() && s.q.Len() == 0 {
		return component.ReadResult{Done: true}, nil
	}
	return component.ReadResult{Idle: component.PushReady}, nil
}

// Stop (component.Stopper) stops accepting, ends each connection after the
// complete lines it delivered, and reports Done once they are queued and
// taken.
func (s *tcpSource) Stop() {
	s.stopOne.Do(func() {
		if s.commits != nil {
			// No checkpoint is taken while the tenant stops.
			s.commits.Abandon(errSourceStopping)
		}
		s.interrupt()
		go func() {
			s.conns.Wait()
			s.stopped.Store(true)
			s.wake()
		}()
	})
}

// interrupt closes the listener and makes every connection's next read
// that would wait fail at once.
func (s *tcpSource) interrupt() {
	s.mu.Lock()
	s.stopping.Store(true)
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.open {
		_ = c.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
}

// Close ends every connection at once and forgets what is queued.
func (s *tcpSource) Close() error {
	if s.q != nil {
		s.q.Close()
	}
	if s.commits != nil {
		s.commits.Close()
	}
	s.interrupt()
	s.mu.Lock()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.conns.Wait()
	return nil
}

// TCPStats is a snapshot of a tcp source's figures.
type TCPStats struct {
	// Accepted events (dead letters included), Rejected bad lines,
	// Connections accepted, ConnWaits accepts that waited for
	// max_connections.
	Accepted, Rejected, Connections, ConnWaits uint64
	Queue                                      inbox.Stats
	// Durable holds the waits for checkpoints under ack: durable (nil
	// otherwise), in lines.
	Durable *inbox.CommitStats
}

// Stats returns the source's figures. Safe from any goroutine.
func (s *tcpSource) Stats() TCPStats {
	st := TCPStats{Accepted: s.accepted.Load(), Rejected: s.rejected.Load(), Connections: s.connections.Load(), ConnWaits: s.connWaits.Load()}
	if s.q != nil {
		st.Queue = s.q.Stats()
	}
	if s.commits != nil {
		d := s.commits.Stats()
		st.Durable = &d
	}
	return st
}

// AppendFigures appends the source's figures (component.Figure), named
// tcp_source_*, then its queue's (inbox_*). Safe from any goroutine.
func (s *tcpSource) AppendFigures(dst []component.Figure) []component.Figure {
	st := s.Stats()
	c := component.CounterOf
	dst = append(dst,
		c("tcp_source_accepted_events_total", "Events accepted, dead letters included.", float64(st.Accepted)),
		c("tcp_source_rejected_events_total", "Bad lines.", float64(st.Rejected)),
		c("tcp_source_connections_total", "Connections accepted.", float64(st.Connections)),
		c("tcp_source_connection_waits_total", "Connections that waited for max_connections.", float64(st.ConnWaits)),
	)
	if st.Durable != nil {
		dst = st.Durable.AppendFigures(dst, "tcp_source_", "lines", "batches of lines")
	}
	return st.Queue.AppendFigures(dst)
}
