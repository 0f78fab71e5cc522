package connect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/connect"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/natsembed"
	"github.com/greenwave/greenwave/internal/spec"
)

// relayYAML reads stream IN, tags every event and publishes it to OUT.
const relayYAML = `tenant: relay
checkpoint: {interval: 10ms}
sources:
  in:
    type: jetstream
    stream: IN
    subject: in
    partitions: 3
    schema: {id: int, key: string}
    stop_at_end: true
transforms:
  tagged: {type: map, inputs: [in], fields: {seen: "true"}}
sinks:
  out: {type: jetstream, inputs: [tagged], stream: OUT, subject: out, partitions: 2, key: [key], batch: 50}
`

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runRelay runs the relay pipeline on an engine of its own until it
// finishes, or, with crashAt, until it has handed that many events to its
// sink after at least three checkpoints (the first taken at start), when it is aborted as a crash would
// end it.
func runRelay(t *testing.T, n *connect.NATS, state string, crashAt uint64) (*engine.Tenant, string) {
	t.Helper()
	var log logBuffer
	cat := builtin.CatalogFor(n)
	p, err := spec.Parse("relay.yaml", []byte(relayYAML), cat)
	if err != nil {
		t.Fatal(err)
	}
	p.Dir = t.TempDir()
	e, err := engine.New(engine.Config{Workers: 2, Wait: "park", Log: &log, StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case <-tn.Done():
			return tn, log.String()
		case <-deadline:
			t.Fatalf("relay did not finish: %+v\n%s", tn.Stats(), log.String())
		case <-time.After(time.Millisecond):
		}
		if crashAt > 0 && tn.CheckpointStats().Written >= 3 && tn.Stats().Out >= crashAt {
			tn.Abort()
			<-tn.Done()
			return tn, log.String()
		}
	}
}

// TestJetStreamRelayIsExactlyOnceAcrossACrash: a pipeline from one stream
// to another is stopped as a crash would stop it, after some checkpoints;
// restarted, its source reads again what followed the last checkpoint and
// its sink leaves out what it had published: OUT holds every event of IN
// once.
func TestJetStreamRelayIsExactlyOnceAcrossACrash(t *testing.T) {
	srv, err := natsembed.Start(natsembed.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	n := connect.NewNATS(connect.NATSConfig{URL: srv.URL()})
	defer n.Close()
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "IN", Subjects: []string{"in.*"},
		SubjectTransform: &jetstream.SubjectTransformConfig{Source: "in.*", Destination: "in.{{partition(3,1)}}.{{wildcard(1)}}"}}); err != nil {
		t.Fatal(err)
	}
	const events, perMsg = 300000, 100
	for m := 0; m < events/perMsg; m++ {
		var b strings.Builder
		key := fmt.Sprintf("k%d", m%7)
		for i := m * perMsg; i < (m+1)*perMsg; i++ {
			fmt.Fprintf(&b, `{"id":%d,"key":%q}`+"\n", i, key)
		}
		if _, err := js.PublishAsync("in."+key, []byte(b.String())); err != nil {
			t.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()

	state := t.TempDir()
	tn, log := runRelay(t, n, state, events/4)
	if tn.Err() == nil || !strings.Contains(tn.Err().Error(), "aborted") {
		t.Fatalf("first run: %v\n%s", tn.Err(), log)
	}
	sent := tn.Stats().Out
	tn2, log2 := runRelay(t, n, state, 0)
	if err := tn2.Err(); err != nil {
		t.Fatalf("second run: %v\n%s", err, log2)
	}
	if !strings.Contains(log2, "resumed from checkpoint") {
		t.Fatalf("second run did not resume:\n%s", log2)
	}
	if sent == 0 || sent >= events {
		t.Fatalf("the first run handed %d of %d events to the sink: no crash in the middle", sent, events)
	}

	st, err := js.Stream(ctx, "OUT")
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]int, events)
	for seq := uint64(1); seq <= st.CachedInfo().State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(m.Data)), "\n") {
			var r struct {
				ID   int
				Seen bool
			}
			if err := json.Unmarshal([]byte(line), &r); err != nil || !r.Seen || r.ID < 0 || r.ID >= events {
				t.Fatalf("message %d: bad row %q (%v)", seq, line, err)
			}
			seen[r.ID]++
		}
	}
	lost, dup := 0, 0
	for _, c := range seen {
		switch {
		case c == 0:
			lost++
		case c > 1:
			dup += c - 1
		}
	}
	if lost > 0 || dup > 0 {
		t.Fatalf("OUT lost %d events and repeated %d", lost, dup)
	}
}
