package connect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// How the jetstream source's pull goroutine keeps its consumer delivering
// through a cluster's node failures.
//
// A consumer counts a message delivered when it sends it to a pull
// request. When the connection or route it travels on is cut (the node the
// source is connected to stops, or the one between it and the consumer's
// leader), the message is lost on the way, and the consumer sends it again
// only after the ack wait, which is longer than a checkpoint interval. By
// then the source has read what followed it, and the acknowledgement of a
// later message (AckAll) has acknowledged it too: it would be lost.
// Deliveries are numbered (the consumer sequence, which a redelivery also
// advances), so the pull goroutine checks that each message is the next
// one. At a gap, or when the pull has stayed quiet while the consumer says
// it delivered more (asked 5 s after the last message, then at doubling
// intervals up to a minute, twice in a row), or when the iterator ends on
// an error the client does not ride out, it creates the consumer afresh to
// deliver from the stream sequence after the last message it queued. A
// consumer found recreated by someone else (its metadata names another
// reader), or deleted, means another instance has taken the partition
// over: that is fatal.
const (
	// jsPullExpiry is how long one pull request waits on the server; the
	// client then sends another. A pull request lost with a consumer's
	// leader is noticed after two missed heartbeats (half of it each).
	jsPullExpiry = 4 * time.Second
	// jsQuietCheck is how long the pull waits for a message before it
	// asks the consumer whether it delivered one that did not arrive
	// (the default of jsSource.quietCheck).
	jsQuietCheck = 5 * time.Second
	// jsQuietCheckMax is the longest wait between quiet checks of a source
	// whose checks found nothing: an idle source asks once a minute.
	jsQuietCheckMax = time.Minute
	// jsRestartTimeout bounds one attempt at creating the consumer again;
	// attempts go on (a cluster electing leaders) until Close.
	jsRestartTimeout = 5 * time.Second
)

// pullOpts are the options of the source's pull iterator.
func (s *jsSource) pullOpts() []jetstream.PullMessagesOpt {
	return []jetstream.PullMessagesOpt{jetstream.PullMaxMessagesWithBytesLimit(s.fetch, 64<<20), jetstream.PullExpiry(jsPullExpiry)}
}

// jsReaderKey is the consumer metadata key naming the source (one Open of
// it) that created the consumer.
const jsReaderKey = "greenwave_reader"

// createConsumer creates the source's durable consumer with cfg, marked
// as this source's, and records where it starts.
func (s *jsSource) createConsumer(ctx context.Context, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	cfg.Metadata = map[string]string{jsReaderKey: s.reader}
	cons, err := s.js.CreateConsumer(ctx, s.ref.name, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot create consumer %q of stream %q: %w", s.consumer, s.ref.name, err)
	}
	info := cons.CachedInfo()
	// A new consumer has delivered nothing: Delivered.Stream is the
	// sequence before its first message (for DeliverNew, the stream's last).
	s.from = info.Delivered.Stream + 1
	return cons, nil
}

// errTakenOver is the pull goroutine's fatal error when the consumer was
// deleted or created again by someone else.
func (s *jsSource) errTakenOver() error {
	return fmt.Errorf("consumer %q of stream %q was deleted while the source read it (has another instance taken its partition over?)", s.consumer, s.ref.name)
}

// pull moves delivered messages into the queue in order, waking the actor
// for each, until Close; see the comment at the top of this file.
func (s *jsSource) pull() {
	defer s.wg.Done()
	s.itMu.Lock()
	it := s.it
	s.itMu.Unlock()
	// last is the stream sequence of the last message queued, or the one
	// before the consumer's first; delivered is the consumer sequence of
	// the last delivery taken from the current consumer.
	last, delivered := s.from-1, uint64(0)
	// suspect is the delivery a quiet check found more than (0: none):
	// a second check that still finds more restarts the consumer, so that
	// a message merely on its way when the first one asked does not.
	suspect := uint64(0)
	// wait is how long Next waits before a quiet check: quietCheck after
	// a message, doubling while the checks find nothing, up to
	// jsQuietCheckMax, so that an idle source asks rarely.
	wait := s.quietCheck
	for {
		m, err := it.Next(jetstream.NextMaxWait(wait))
		if err == nil {
			wait = s.quietCheck
			md, merr := m.Metadata()
			if merr != nil {
				continue // not a JetStream message
			}
			if md.Sequence.Consumer == delivered+1 {
				delivered = md.Sequence.Consumer
				if md.Sequence.Stream <= last {
					continue // delivered again; queued already
				}
				last = md.Sequence.Stream
				select {
				case s.queue <- m:
					s.wake()
				case <-s.stop:
					return
				}
				continue
			}
			err = fmt.Errorf("delivery %d arrived after delivery %d (deliveries lost on the way)", md.Sequence.Consumer, delivered)
		} else if errors.Is(err, nats.ErrTimeout) {
			var more bool
			if more, err = s.quiet(delivered); err == nil {
				if !more || suspect != delivered+1 {
					suspect = 0
					if more {
						suspect = delivered + 1
					} else {
						wait = min(2*wait, max(jsQuietCheckMax, s.quietCheck))
					}
					continue
				}
				err = fmt.Errorf("the consumer delivered more than deliveries 1 to %d, which arrived", delivered)
			}
		}
		if s.stopping() {
			return
		}
		if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) {
			s.setFatal(s.errTakenOver())
			return
		}
		if it = s.restart(last+1, err); it == nil {
			return
		}
		delivered, suspect, wait = 0, 0, s.quietCheck
	}
}

// quiet asks the consumer, when no message came for a while, whether it
// delivered more than the deliveries that arrived (deliveries lost after
// the last one published). A consumer that cannot be asked is taken as
// fine: the next message or check tells.
func (s *jsSource) quiet(delivered uint64) (more bool, err error) {
	ctx, cancel := context.WithTimeout(s.life, jsRestartTimeout)
	defer cancel()
	c, err := s.js.Consumer(ctx, s.ref.name, s.consumer)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		return false, err
	case err != nil:
		return false, nil
	case !s.ours(c.CachedInfo()):
		return false, jetstream.ErrConsumerDeleted
	}
	return c.CachedInfo().Delivered.Consumer > delivered, nil
}

// restart creates the consumer again to deliver from stream sequence from
// and returns its iterator, trying again until it succeeds or Close. It
// returns nil when the source is closing or the consumer turned out to be
// someone else's (then fatal is set).
func (s *jsSource) restart(from uint64, why error) jetstream.MessagesContext {
	s.nats.logf("%s: starting consumer %q of stream %q again at sequence %d: %v", s.logName(), s.consumer, s.ref.name, from, why)
	s.itMu.Lock()
	s.it.Stop()
	s.itMu.Unlock()
	cfg := s.ccfg
	cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	wait := 50 * time.Millisecond
	deleted := false
	for attempt := 1; ; attempt++ {
		it, err := s.recreate(cfg, &deleted)
		if err == nil {
			s.itMu.Lock()
			defer s.itMu.Unlock()
			if s.stopping() {
				it.Stop()
				return nil
			}
			s.it = it
			return it
		}
		if errors.Is(err, errTakenOver) {
			s.setFatal(s.errTakenOver())
			return nil
		}
		if attempt%20 == 1 {
			s.nats.logf("%s: %v (trying again)", s.logName(), err)
		}
		select {
		case <-s.stop:
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

var errTakenOver = errors.New("the consumer was replaced")

// recreate makes one attempt at replacing the consumer, which must still
// be the one this source created, with cfg. *deleted records that an
// earlier attempt deleted it (a consumer not found is then no surprise).
func (s *jsSource) recreate(cfg jetstream.ConsumerConfig, deleted *bool) (jetstream.MessagesContext, error) {
	ctx, cancel := context.WithTimeout(s.life, jsRestartTimeout)
	defer cancel()
	old, err := s.js.Consumer(ctx, s.ref.name, s.consumer)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		if !*deleted {
			return nil, errTakenOver
		}
	case err != nil:
		return nil, err
	case !s.ours(old.CachedInfo()):
		return nil, errTakenOver
	default:
		if err := s.js.DeleteConsumer(ctx, s.ref.name, s.consumer); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, fmt.Errorf("cannot delete consumer %q of stream %q: %w", s.consumer, s.ref.name, err)
		}
		*deleted = true
	}
	cons, err := s.createConsumer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	it, err := cons.Messages(s.pullOpts()...)
	if err != nil {
		return nil, fmt.Errorf("cannot pull from consumer %q of stream %q: %w", s.consumer, s.ref.name, err)
	}
	return it, nil
}

// ours reports whether a consumer is the one this source created.
func (s *jsSource) ours(info *jetstream.ConsumerInfo) bool {
	return info.Config.Metadata[jsReaderKey] == s.reader
}

// stopping reports whether Close has begun.
func (s *jsSource) stopping() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

func (s *jsSource) setFatal(err error) {
	s.fatal.Store(&err)
	s.wake()
}

func (s *jsSource) logName() string { return s.connName[len("greenwave "):] }
