package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/natsembed"
)

// TestJetstreamExampleRunsWithNoSetup: examples/jetstream-qoe.yaml runs as
// shipped: the run embeds a NATS server, the events go through both
// streams, and the console prints customers' first minute.
func TestJetstreamExampleRunsWithNoSetup(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example for 8 s")
	}
	// The stdout sink writes to os.Stdout as it is at each write.
	stdout, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = stdout
	code, _, errs := runMain("run", "../../examples/jetstream-qoe.yaml", "--for", "8s", "--status", "off",
		"--workers", "2", "--state-dir", t.TempDir())
	os.Stdout = saved
	stdout.Close()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	if !strings.Contains(errs, "embedded NATS server (JetStream) at nats://127.0.0.1:") {
		t.Errorf("stderr does not say where the embedded server listens:\n%s", errs)
	}
	if !strings.Contains(errs, "rejected 0") {
		t.Errorf("the stream's messages were not all read:\n%s", errs)
	}
	b, err := os.ReadFile(stdout.Name())
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	customers := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "minute=2026-01-01T00:00:00Z ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if c, ok := strings.CutPrefix(f, "customer="); ok {
				customers[c] = true
			}
		}
		if !strings.Contains(line, " sessions=") || strings.Contains(line, " sessions=0 ") {
			t.Errorf("a first-minute line without sessions: %s", line)
		}
	}
	// How many customers closed a session in the first minute depends on
	// how far event time got in 8 s on a busy machine: most of the 20.
	if len(customers) < 10 {
		t.Fatalf("first minute has lines for %d customers, want most of 20:\n%s\nstderr:\n%s", len(customers), out, errs)
	}
}

// TestRunInstancesSharePartitions: two `run --instance` processes of one
// file split its four partitions through a NATS server; together they
// write every event of the stream once.
func TestRunInstancesSharePartitions(t *testing.T) {
	srv, err := natsembed.Start(natsembed.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	const events = 4000
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "IN", Subjects: []string{"in.*"},
		SubjectTransform: &jetstream.SubjectTransformConfig{Source: "in.*", Destination: "in.{{partition(4,1)}}.{{wildcard(1)}}"}}); err != nil {
		t.Fatal(err)
	}
	for m := 0; m < events/100; m++ {
		var b strings.Builder
		key := fmt.Sprintf("k%d", m%16)
		for i := m * 100; i < (m+1)*100; i++ {
			fmt.Fprintf(&b, `{"id":%d,"key":%q}`+"\n", i, key)
		}
		if _, err := js.PublishAsync("in."+key, []byte(b.String())); err != nil {
			t.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()

	dir := t.TempDir()
	file := writeFile(t, dir, "relay.yaml", `tenant: relay
sources:
  in: {type: jetstream, stream: IN, subject: in, schema: {id: int, key: string}}
sinks:
  out: {type: file, inputs: [in], path: out.jsonl, flush_every: 0s}
`)
	type result struct {
		code      int
		out, errs string
	}
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i, name := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, o, e := runMain("run", file, "--instance", name, "--nats", srv.URL(), "--for", "5s",
				"--lease-ttl", "1s", "--checkpoint-interval", "100ms", "--every", "500ms", "--workers", "1")
			results[i] = result{c, o, e}
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("instance %d: exit %d:\n%s", i, r.code, r.errs)
		}
	}
	// While both ran, each saw the other holding some partitions.
	for _, r := range results {
		if !strings.Contains(r.errs, "(a)") || !strings.Contains(r.errs, "(b)") {
			t.Errorf("the instances did not share the partitions:\n%s", r.errs)
		}
	}
	seen := make([]int, events)
	for k := 0; k < 4; k++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out-p%d.jsonl", k)))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if line == "" {
				continue
			}
			var e struct{ ID int }
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("partition %d: %v: %q", k, err, line)
			}
			seen[e.ID]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("event %d written %d times\na:\n%s\nb:\n%s", id, n, results[0].errs, results[1].errs)
		}
	}
}
