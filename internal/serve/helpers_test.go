package serve_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

// newTable starts a table served on a free port; it is stopped when the
// test ends.
func newTable(t *testing.T, cfg serve.Config) *serve.Table {
	t.Helper()
	tb, err := serve.NewTable(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.Serve("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Stop(2 * time.Second) })
	return tb
}

func testConfig(name string) serve.Config {
	cfg := serve.DefaultConfig(name)
	cfg.Progress = 20 * time.Millisecond
	return cfg
}

// put upserts key k (an int) with value v.
func put(t *testing.T, tb *serve.Table, kv ...int) {
	t.Helper()
	var ch []serve.Change
	for i := 0; i+1 < len(kv); i += 2 {
		ch = append(ch, serve.Change{Key: []byte(fmt.Sprintf("[%d]", kv[i])), Row: []byte(fmt.Sprintf(`{"k":%d,"v":%d}`, kv[i], kv[i+1]))})
	}
	if err := tb.Apply(ch, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func del(t *testing.T, tb *serve.Table, keys ...int) {
	t.Helper()
	var ch []serve.Change
	for _, k := range keys {
		ch = append(ch, serve.Change{Key: []byte(fmt.Sprintf("[%d]", k))})
	}
	if err := tb.Apply(ch, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func wsURL(tb *serve.Table) string {
	return "ws://" + tb.HTTPAddr() + "/tables/" + tb.Name()
}

func sseURL(tb *serve.Table) string {
	return "http://" + tb.HTTPAddr() + "/tables/" + tb.Name()
}

func tcpURL(tb *serve.Table) string {
	return "tcp://" + tb.TCPAddr() + "/" + tb.Name()
}

// collect reads raw messages from a stream until n are read or the
// stream ends.
func collect(t *testing.T, s client.Stream, n int) []*client.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out []*client.Message
	for len(out) < n {
		raw, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("after %d messages: %v", len(out), err)
		}
		m, err := client.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// nextOf reads messages until one of type typ.
func nextOf(t *testing.T, s client.Stream, typ string) *client.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		raw, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		m, err := client.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == typ {
			return m
		}
	}
}

func u64(n uint64) *uint64 { return &n }

func itoa(n int) string { return strconv.Itoa(n) }

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// synced opens a subscription to url and applies its messages until the
// replica holds the snapshot; the stream is closed at the test's end.
func synced(t *testing.T, url string) (client.Stream, *client.Replica) {
	t.Helper()
	s, err := client.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r := client.NewReplica()
	for !r.Synced {
		apply(t, r, collect(t, s, 1)[0])
	}
	return s, r
}
