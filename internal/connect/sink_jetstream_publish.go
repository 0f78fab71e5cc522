package connect

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// outMsg is one message of the jetstream sink.
type outMsg struct {
	subject, id string
	data        []byte
	n           int // events in it
}

// flight is a message handed to the connection, awaiting its
// acknowledgement.
type flight struct {
	m *outMsg
	f jetstream.PubAckFuture
}

// publisher publishes a sink's messages in order on one goroutine and
// awaits their acknowledgements, also in order, on another, reporting
// each message's events with ack once the stream has acknowledged it. A
// message the stream does not acknowledge (a server gone, a cluster
// electing a leader) is published again with the same Nats-Msg-Id until
// the stream takes it or the publish timeout passes; the stream keeps one
// copy. A message given up on is reported as an error with no events
// (ack(0, err)): the tenant fails with its events still in flight, so no
// checkpoint covers them. send never blocks: the engine bounds what is in
// flight (component.Async).
type publisher struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  string
	ack     func(int, error)
	timeout time.Duration

	mu      sync.Mutex
	queue   []*outMsg
	pending int // messages sent and not yet acknowledged
	signal  chan struct{}
	idle    chan struct{} // closed and replaced when pending drops to 0

	flights chan flight
	stop    chan struct{}
	// halt cancels the requests of retry when the publisher stops.
	halt   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	maxSeq atomic.Uint64 // highest stream sequence acknowledged
}

func newPublisher(nc *nats.Conn, js jetstream.JetStream, stream string, ack func(int, error), timeout time.Duration, floor uint64) *publisher {
	p := &publisher{nc: nc, js: js, stream: stream, ack: ack, timeout: timeout,
		signal: make(chan struct{}, 1), idle: make(chan struct{}), flights: make(chan flight, 4096), stop: make(chan struct{})}
	p.maxSeq.Store(floor)
	p.halt, p.cancel = context.WithCancel(context.Background())
	p.wg.Add(2)
	go p.publish()
	go p.await()
	return p
}

// send queues m.
func (p *publisher) send(m *outMsg) {
	p.mu.Lock()
	p.queue = append(p.queue, m)
	p.pending++
	p.mu.Unlock()
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

func (p *publisher) natsMsg(m *outMsg) *nats.Msg {
	return &nats.Msg{Subject: m.subject, Data: m.data}
}

func (p *publisher) opts(m *outMsg) []jetstream.PublishOpt {
	return []jetstream.PublishOpt{jetstream.WithMsgID(m.id), jetstream.WithExpectStream(p.stream)}
}

// publish hands the queued messages to the connection, in order.
func (p *publisher) publish() {
	defer p.wg.Done()
	defer close(p.flights)
	var batch []*outMsg
	for {
		select {
		case <-p.stop:
			return
		case <-p.signal:
		}
		p.mu.Lock()
		batch, p.queue = p.queue, batch[:0]
		p.mu.Unlock()
		for _, m := range batch {
			for {
				f, err := p.js.PublishMsgAsync(p.natsMsg(m), p.opts(m)...)
				if err == nil {
					select {
					case p.flights <- flight{m: m, f: f}:
					case <-p.stop:
						return
					}
					break
				}
				// Too many stalled or the connection is down: wait, and
				// keep the order.
				select {
				case <-p.stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}
		clear(batch)
	}
}

// await takes the acknowledgements in order.
func (p *publisher) await() {
	defer p.wg.Done()
	for fl := range p.flights {
		var seq uint64
		var err error
		select {
		case pa := <-fl.f.Ok():
			seq = pa.Sequence
		case <-fl.f.Err():
			seq, err = p.retry(fl.m)
		case <-p.stop:
			return
		}
		if err != nil {
			// Not acknowledged: the tenant fails, and the message's events
			// stay in flight, so that no checkpoint can cover them (a
			// restart publishes them again).
			p.ack(0, err)
		} else {
			if seq > p.maxSeq.Load() {
				p.maxSeq.Store(seq)
			}
			p.ack(fl.m.n, nil)
		}
		p.mu.Lock()
		p.pending--
		if p.pending == 0 {
			close(p.idle)
			p.idle = make(chan struct{})
		}
		p.mu.Unlock()
	}
}

// retry publishes m again, waiting for each answer, until the stream
// takes it or the timeout passes.
func (p *publisher) retry(m *outMsg) (uint64, error) {
	deadline := time.Now().Add(p.timeout)
	wait := 50 * time.Millisecond
	for {
		// Each attempt waits at most 5 s for its answer (a request parked on
		// a node that went away is not answered), not past the deadline,
		// and not once the publisher stops.
		ctx, cancel := context.WithTimeout(p.halt, max(min(5*time.Second, time.Until(deadline)), 100*time.Millisecond))
		pa, err := p.js.PublishMsg(ctx, p.natsMsg(m), p.opts(m)...)
		cancel()
		if err == nil {
			return pa.Sequence, nil
		}
		if p.halt.Err() != nil {
			return 0, fmt.Errorf("stream %q: message %s not acknowledged when the sink closed: %w", p.stream, m.id, err)
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("stream %q did not acknowledge message %s within %v: %w", p.stream, m.id, p.timeout, err)
		}
		select {
		case <-p.stop:
			return 0, fmt.Errorf("stream %q: message %s not acknowledged when the sink closed: %w", p.stream, m.id, err)
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// close waits up to timeout for the messages in flight, then stops the
// goroutines and closes the connection.
func (p *publisher) close(timeout time.Duration) {
	p.mu.Lock()
	pending, idle := p.pending, p.idle
	p.mu.Unlock()
	if pending > 0 {
		select {
		case <-idle:
		case <-time.After(timeout):
		}
	}
	close(p.stop)
	p.cancel()
	p.wg.Wait()
	p.nc.Close()
}
