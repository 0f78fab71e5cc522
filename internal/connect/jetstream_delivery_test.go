package connect

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/component"
)

// stealNext sends a pull request for one message of stream S's consumer
// from a connection of its own, as a request the source made before its
// connection was cut would still be served: the consumer counts what it
// sends there as delivered, and the source never sees it. It returns the
// channel the stolen message arrives on.
func stealNext(t *testing.T, js jetstream.JetStream, consumer string) <-chan *nats.Msg {
	t.Helper()
	nc := js.Conn()
	inbox := nats.NewInbox()
	ch := make(chan *nats.Msg, 4)
	sub, err := nc.ChanSubscribe(inbox, ch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S."+consumer, inbox, []byte(`{"batch":1,"expires":20000000000}`)); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return ch
}

// TestJetStreamSourceReadsADeliveryLostOnTheWay: a message the consumer
// delivered that never reached the source (its connection was cut while
// the message was on its way) is read anyway, in its place: the source
// sees the gap in the consumer's delivery sequence and starts the consumer
// again after the last message it got. Otherwise the consumer would send
// it again only after the ack wait, and by then the source has read, and
// acknowledged, what followed it.
func TestJetStreamSourceReadsADeliveryLostOnTheWay(t *testing.T) {
	n, js := testNATS(t)
	createStream(t, js, 1)
	var logText strings.Builder
	log := &syncWriter{w: &logText}
	n.cfg.Log = log
	// One message per pull, so that the pull below is served between two
	// of the source's.
	s, inst, woken := openSource(t, n, jsSourceOpts(map[string]any{"partitions": int64(1), "stop_at_end": false, "fetch": int64(1)}), nil, nil)
	publishLines(t, js, "a", `{"n":0}`)
	first, _, _ := readN(t, s, woken, 100, 1)
	time.Sleep(100 * time.Millisecond) // the source's next pull is waiting
	stolen := stealNext(t, js, "acme-events")
	publishLines(t, js, "a", `{"n":1}`) // to the source's waiting pull
	publishLines(t, js, "a", `{"n":2}`) // to the stolen pull
	select {
	case m := <-stolen:
		if string(m.Data) != `{"n":2}` {
			t.Fatalf("the stolen pull got %q", m.Data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stolen pull got nothing")
	}
	publishLines(t, js, "a", `{"n":3}`)
	rest, _, _ := readN(t, s, woken, 100, 3)
	got := ns(t, inst, append(first, rest...))
	if !slices.Equal(got, []int64{0, 1, 2, 3}) {
		t.Fatalf("read %v, want [0 1 2 3]", got)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if !strings.Contains(logText.String(), "starting consumer") {
		t.Errorf("the source did not say it started its consumer again: %q", logText.String())
	}
}

// TestJetStreamSourceReadsALastDeliveryLostOnTheWay: when the delivery
// lost on the way is the last one (no later message shows the gap), the
// source asks the consumer once it has been quiet for a while, finds that
// it delivered more than arrived, and starts it again.
func TestJetStreamSourceReadsALastDeliveryLostOnTheWay(t *testing.T) {
	n, js := testNATS(t)
	createStream(t, js, 1)
	opts := jsSourceOpts(map[string]any{"partitions": int64(1), "stop_at_end": false, "fetch": int64(1)})
	s, inst, woken := openSourceWith(t, n, opts, nil, nil, func(s *jsSource) { s.quietCheck = 300 * time.Millisecond })
	publishLines(t, js, "a", `{"n":0}`)
	first, _, _ := readN(t, s, woken, 100, 1)
	time.Sleep(100 * time.Millisecond)
	stolen := stealNext(t, js, "acme-events")
	publishLines(t, js, "a", `{"n":1}`)
	publishLines(t, js, "a", `{"n":2}`)
	select {
	case <-stolen:
	case <-time.After(10 * time.Second):
		t.Fatal("the stolen pull got nothing")
	}
	rest, _, _ := readN(t, s, woken, 100, 2)
	if got := ns(t, inst, append(first, rest...)); !slices.Equal(got, []int64{0, 1, 2}) {
		t.Fatalf("read %v, want [0 1 2]", got)
	}
}

// TestJetStreamSourceGivesUpAConsumerAnotherTookOver: a source whose
// consumer another source replaced (an instance that took its partition
// over) fails, and never creates the consumer again for itself: the
// consumer stays the newcomer's.
func TestJetStreamSourceGivesUpAConsumerAnotherTookOver(t *testing.T) {
	n, js := testNATS(t)
	createStream(t, js, 1)
	opts := jsSourceOpts(map[string]any{"partitions": int64(1), "stop_at_end": false})
	a, _, wokenA := openSourceWith(t, n, opts, nil, nil, func(s *jsSource) { s.quietCheck = 100 * time.Millisecond })
	publishLines(t, js, "a", `{"n":0}`)
	readN(t, a, wokenA, 100, 1)
	b, instB, wokenB := openSource(t, n, opts, nil, nil)
	var out component.Output
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := a.Read(&out, 100)
		if err != nil {
			if !strings.Contains(err.Error(), `consumer "acme-events" of stream "S" was deleted while the source read it`) {
				t.Fatalf("a: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a read on after b replaced its consumer")
		}
		select {
		case <-wokenA:
		case <-time.After(50 * time.Millisecond):
		}
	}
	// Had a missed the notice of the deletion (a node failure can swallow
	// it), its checks would still find the consumer someone else's.
	if _, err := a.quiet(0); !errors.Is(err, jetstream.ErrConsumerDeleted) {
		t.Errorf("a's quiet check: %v, want the consumer deleted", err)
	}
	if _, err := a.recreate(a.ccfg, new(bool)); !errors.Is(err, errTakenOver) {
		t.Errorf("a's restart: %v, want errTakenOver", err)
	}
	c, err := js.Consumer(context.Background(), "S", "acme-events")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CachedInfo().Config.Metadata[jsReaderKey]; got != b.reader {
		t.Fatalf("the consumer is %q's, want b's (%q)", got, b.reader)
	}
	publishLines(t, js, "a", `{"n":1}`)
	got, _, _ := readN(t, b, wokenB, 100, 2)
	if ns := ns(t, instB, got); !slices.Equal(ns, []int64{0, 1}) {
		t.Fatalf("b read %v, want [0 1]", ns)
	}
}
