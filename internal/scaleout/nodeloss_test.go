package scaleout

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/greenwave/greenwave/internal/natsembed"
)

// testCluster starts a 3-node cluster of the test's own.
func testCluster(t *testing.T) *natsembed.Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a 3-node cluster")
	}
	c, err := natsembed.StartCluster(t.TempDir(), 3, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Shutdown)
	return c
}

// TestNewWaitsForTheClusterToHaveAQuorum: an instance starting while two
// nodes of a 3-node cluster are down cannot open its buckets until one is
// back; it waits for it, and says so, instead of failing.
func TestNewWaitsForTheClusterToHaveAQuorum(t *testing.T) {
	c := testCluster(t)
	c.Stop(1)
	c.Stop(2)
	nc, err := nats.Connect(c.URLs(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	restarted := make(chan error, 1)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		restarted <- c.Start(1)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	log := &syncLog{}
	r, err := New(ctx, nil, nc, Config{Instance: "a", Log: log})
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("New with no quorum for 1.5 s: %v", err)
	}
	if r.kv == nil || r.obs == nil {
		t.Fatal("New returned without its buckets")
	}
	if !strings.Contains(log.String(), `cannot open the lease bucket "greenwave_leases"`) ||
		!strings.Contains(log.String(), "trying again") {
		t.Errorf("log does not say it waited:\n%s", log.String())
	}
}

// TestNewGivesUpWhenItsContextEnds: with no end to the outage, New returns
// the cluster's error once its context ends.
func TestNewGivesUpWhenItsContextEnds(t *testing.T) {
	c := testCluster(t)
	c.Stop(1)
	c.Stop(2)
	nc, err := nats.Connect(c.URLs(), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err = New(ctx, nil, nc, Config{Instance: "a"})
	if err == nil || !strings.Contains(err.Error(), `cannot open the lease bucket "greenwave_leases"`) ||
		!strings.Contains(err.Error(), "gave up after") {
		t.Fatalf("New = %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("New returned %v after its context ended", took-time.Second)
	}
}

// TestAUnitThatRanAWhileWaitsLittleAfterItFails: the waits before a
// failed unit starts again double from 2 s up to 30 s while it fails in a
// row, and start again from 2 s once it has run for longer than that: a
// unit that a cluster's node failures fail now and then is not left
// waiting 30 s each time.
func TestAUnitThatRanAWhileWaitsLittleAfterItFails(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	u := &unit{}
	var got []time.Duration
	now := t0
	for range 6 { // fails to start six times in a row
		got = append(got, u.failed(now, false))
		now = u.retryAt
	}
	want := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	if !slices.Equal(got, want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
	u.started = now // starts, runs 10 s, fails: still in a row
	if w := u.failed(now.Add(10*time.Second), true); w != 30*time.Second {
		t.Fatalf("after 10 s of running: wait %v, want 30s", w)
	}
	u.started = now.Add(time.Minute) // runs for a minute, fails
	if w := u.failed(now.Add(2*time.Minute), true); w != 2*time.Second {
		t.Fatalf("after a minute of running: wait %v, want 2s", w)
	}
	if w := u.failed(now.Add(2*time.Minute+2*time.Second), false); w != 4*time.Second {
		t.Fatalf("then failing to start: wait %v, want 4s", w)
	}
}
