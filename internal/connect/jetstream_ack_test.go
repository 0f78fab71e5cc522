package connect

import (
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/natsembed"
)

// TestJetStreamSinkNeverCountsAMessageTheStreamDidNotTake: when the stream
// stays away past the publish timeout, the sink fails the tenant and does
// not report the message's events as done: they stay in flight, so the
// engine can take no checkpoint that covers them.
func TestJetStreamSinkNeverCountsAMessageTheStreamDidNotTake(t *testing.T) {
	srv, err := natsembed.Start(natsembed.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	n := NewNATS(NATSConfig{URL: srv.URL()})
	defer n.Close()
	h := openSink(t, n, map[string]any{"publish_timeout": time.Second, "batch": int64(5)}, nil)
	defer h.s.Close()
	h.process(0, 10, 10)
	h.s.Flush(nil)
	h.waitAcked(10)
	srv.Shutdown()
	h.process(10, 20, 10)
	h.s.Flush(nil)
	deadline := time.Now().Add(15 * time.Second)
	for {
		h.mu.Lock()
		err := h.err
		h.mu.Unlock()
		if err != nil {
			if !strings.Contains(err.Error(), `stream "OUT" did not acknowledge message`) {
				t.Errorf("error %q", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no error with the server gone for 15 s and a publish timeout of 1 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if got := h.acked.Load(); got != 10 {
		t.Fatalf("%d events reported done, want the 10 the stream took", got)
	}
}
