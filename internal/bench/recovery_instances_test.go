package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/natsembed"
)

// TestLostIdsAreToldApartByWhetherTheStreamHoldsThem: of the ids missing
// from the partition files, the bench counts those stream IN does not hold
// either (lost on the generator's side).
func TestLostIdsAreToldApartByWhetherTheStreamHoldsThem(t *testing.T) {
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
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "IN", Subjects: []string{"in.>"}}); err != nil {
		t.Fatal(err)
	}
	// The stream holds ids 0-9 but 5 and 7, two to a message.
	var lines []string
	for id := range 10 {
		if id != 5 && id != 7 {
			lines = append(lines, fmt.Sprintf(`{"id":%d,"key":%d}`, id, id))
		}
		if len(lines) == 2 || id == 9 {
			if _, err := js.Publish(ctx, "in.0.k", []byte(strings.Join(lines, "\n"))); err != nil {
				t.Fatal(err)
			}
			lines = nil
		}
	}
	// The files hold 0-9 but 5 and 6.
	dir := t.TempDir()
	var out strings.Builder
	for id := range 10 {
		if id != 5 && id != 6 {
			fmt.Fprintf(&out, "{\"id\":%d,\"key\":%d}\n", id, id)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "out-p0.jsonl"), []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	inStream, err := streamIDs(js, 10)
	if err != nil {
		t.Fatal(err)
	}
	if n := notIn(dir, 10, inStream); n != 1 {
		t.Fatalf("%d ids in neither, want 1 (id 5)", n)
	}
}
