package natsembed

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func connect(t *testing.T, urls string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func TestServerKeepsAcknowledgedMessagesAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(Config{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	js := connect(t, s.URL())
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := js.Publish(ctx, "s.x", []byte("m")); err != nil {
			t.Fatal(err)
		}
	}
	cfg := s.Config()
	s.Shutdown()
	s.Shutdown() // idempotent
	s2, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Shutdown()
	if s2.URL() != s.URL() {
		t.Fatalf("restarted on %s, want %s", s2.URL(), s.URL())
	}
	js2 := connect(t, s2.URL())
	st, err := js2.Stream(ctx, "S")
	if err != nil {
		t.Fatal(err)
	}
	if n := st.CachedInfo().State.Msgs; n != 10 {
		t.Fatalf("%d messages after the restart, want 10", n)
	}
}

func TestClusterSurvivesANodeRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node cluster")
	}
	c, err := StartCluster(t.TempDir(), 3, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown()
	js := connect(t, c.URLs())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	sent := 0
	publish := func(n int) {
		for i := 0; i < n; i++ {
			sent++
			id := strconv.Itoa(sent)
			for {
				pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
				_, err := js.Publish(pctx, "s.x", []byte("m"), jetstream.WithMsgID(id))
				pcancel()
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					t.Fatal(err)
				}
			}
		}
	}
	publish(5)
	for i := 0; i < 3; i++ {
		c.Stop(i)
		publish(5)
		if err := c.Start(i); err != nil {
			t.Fatal(err)
		}
	}
	st, err := js.Stream(ctx, "S")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 20 {
		t.Fatalf("%d messages, want 20", info.State.Msgs)
	}
}
