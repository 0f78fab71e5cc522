package connect

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/inbox"
)

// durableAcks answers one connection's lines under ack: durable, on a
// goroutine of its own, so that the connection is read on while earlier
// lines wait for a checkpoint. The reader hands it each batch after
// queueing the batch's events (queue); the goroutine waits, batch after
// batch in order, until a committed checkpoint holds the batch's events
// (or ack_timeout passes, or the source stops), then writes the batch's
// answers. The lines waiting, over every connection, are bounded by
// ack_max_waiting: queue waits for room, and the connection is not read
// meanwhile (TCP backpressure).
type durableAcks struct {
	s       *tcpSource
	bw      *bufio.Writer
	batches chan durableBatch
	done    chan struct{}
}

// durableBatch is a batch of lines whose events end at end.
type durableBatch struct {
	end      uint64
	deadline time.Time
	acks     []tcpAck
}

func (s *tcpSource) startDurableAcks(c net.Conn) *durableAcks {
	d := &durableAcks{s: s, bw: bufio.NewWriter(c), batches: make(chan durableBatch, 64), done: make(chan struct{})}
	go d.run()
	return d
}

// queue reserves room for the batch's answers, puts its events and hands
// the batch over. False when the source is stopping or closed: the lines
// are not queued, and not answered.
func (d *durableAcks) queue(evs []event.Event, acks []tcpAck) bool {
	if len(acks) == 0 {
		return true
	}
	s := d.s
	for {
		err := s.commits.Reserve(len(acks), time.Now().Add(time.Hour))
		if err == nil {
			break
		}
		if !errors.Is(err, inbox.ErrBusy) {
			return false
		}
	}
	var end uint64
	if len(evs) > 0 {
		var ok bool
		if end, ok = s.putAll(evs); !ok {
			s.commits.Release(len(acks))
			return false
		}
		s.accepted.Add(uint64(len(evs)))
	}
	d.batches <- durableBatch{end: end, deadline: time.Now().Add(s.durableAck.timeout), acks: slices.Clone(acks)}
	return true
}

// finish waits until every batch handed over is answered.
func (d *durableAcks) finish() {
	close(d.batches)
	<-d.done
}

func (d *durableAcks) run() {
	defer close(d.done)
	broken := false
	var b []byte
	for batch := range d.batches {
		err := d.s.commits.Wait(batch.end, batch.deadline)
		d.s.commits.Release(len(batch.acks))
		if !broken {
			for _, a := range batch.acks {
				b = appendDurableAck(b[:0], a, err, d.s.durableAck.timeout)
				if _, werr := d.bw.Write(b); werr != nil {
					broken = true
					break
				}
			}
			if !broken && len(d.batches) == 0 && d.bw.Flush() != nil {
				broken = true
			}
		}
	}
	if !broken {
		_ = d.bw.Flush()
	}
}

// appendDurableAck appends a line's answer given the outcome of its
// batch's wait.
func appendDurableAck(b []byte, a tcpAck, wait error, timeout time.Duration) []byte {
	msg := ""
	switch {
	case a.err != nil:
		msg = a.err.Error()
	case errors.Is(wait, inbox.ErrNotDurable):
		msg = "not durable: " + wait.Error() + "; send it again"
	case wait != nil:
		msg = fmt.Sprintf("not known to be durable: no checkpoint holding it committed within ack_timeout (%v); "+
			"it was accepted and may still be committed", timeout)
	}
	if msg == "" {
		b = append(b, "ok "...)
		b = strconv.AppendInt(b, a.line, 10)
		return append(b, '\n')
	}
	b = append(b, "error "...)
	b = strconv.AppendInt(b, a.line, 10)
	b = append(b, ": "...)
	b = append(b, msg...)
	return append(b, '\n')
}

// The tcp source takes part in checkpoints so that, under ack: durable,
// it knows which of its events a committed checkpoint holds. Its position
// is empty: what it had not answered, its clients send again.

// Snapshot (component.Checkpointer) records nothing.
func (s *tcpSource) Snapshot(dst []byte) ([]byte, error) { return dst, nil }

// Restore (component.Checkpointer) has nothing to restore.
func (s *tcpSource) Restore([]byte) error { return nil }

// Checkpointing (component.CheckpointNumbered) notes that checkpoint id
// holds every event the source has handed the pipeline.
func (s *tcpSource) Checkpointing(id uint64) {
	if s.commits != nil {
		s.commits.Mark(id, s.q.Taken())
	}
}

// Committed (component.Committer) answers the lines whose events
// checkpoint id holds.
func (s *tcpSource) Committed(id uint64) {
	if s.commits != nil {
		s.commits.Commit(id)
	}
}
