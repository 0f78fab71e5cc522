package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestNatsServeRunsAServerWithJetStream: `nats serve` prints its URL, and a
// client creates a stream on it while it runs; its files are in
// --store-dir.
func TestNatsServeRunsAServerWithJetStream(t *testing.T) {
	dir := t.TempDir()
	var out, errb lockedBuffer
	done := make(chan int)
	go func() {
		done <- Main([]string{"nats", "serve", "--store-dir", dir, "--port", "0", "--for", "3s"}, &out, &errb)
	}()
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == ""; {
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed:\n%s", errb.String())
		}
		url = strings.TrimSpace(out.String())
		time.Sleep(20 * time.Millisecond)
	}
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "s.x", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if info, err := st.Info(ctx); err != nil || info.State.Msgs != 1 {
		t.Fatalf("stream info %+v, %v", info, err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d:\n%s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "jetstream", "$G", "streams", "S")); err != nil {
		t.Errorf("the stream's files are not in --store-dir: %v", err)
	}
}

// TestNatsServeRefusesBadFlags says which flag and why.
func TestNatsServeRefusesBadFlags(t *testing.T) {
	code, _, errs := runMain("nats", "serve", "--store-dir", t.TempDir(), "--cluster", "0")
	if code != 2 || !strings.Contains(errs, "--cluster must be 1 to 9 nodes, got 0") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, _, errs = runMain("run", "x.yaml", "--instance", "a")
	if code != 2 || !strings.Contains(errs, "--instance needs --nats URL") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}
