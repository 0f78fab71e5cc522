package scaleout

import (
	"context"
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
