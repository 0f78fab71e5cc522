package scaleout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
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

type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// cutDialer dials the instance's every NATS connection, so that a crash
// can cut them all at one moment: nothing the instance sends after it
// reaches the server, as after a kill -9.
type cutDialer struct {
	mu    sync.Mutex
	conns []net.Conn
	cut   bool
}

func (d *cutDialer) Dial(network, address string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cut {
		return nil, errors.New("the instance has crashed")
	}
	c, err := net.DialTimeout(network, address, 2*time.Second)
	if err == nil {
		d.conns = append(d.conns, c)
	}
	return c, err
}

// sever closes every connection and refuses new ones.
func (d *cutDialer) sever() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cut = true
	for _, c := range d.conns {
		_ = c.Close()
	}
}

// instance is one greenwave instance of a test: an engine and a runner.
type instance struct {
	t       *testing.T
	name    string
	r       *Runner
	e       *engine.Engine
	n       *connect.NATS
	nc      *nats.Conn
	dialer  *cutDialer
	log     *syncLog
	crashed bool
}

func startInstance(t *testing.T, url, name string, ttl time.Duration, yaml string) *instance {
	t.Helper()
	in := &instance{t: t, name: name, log: &syncLog{}, dialer: &cutDialer{}}
	in.n = connect.NewNATS(connect.NATSConfig{URL: url, Log: in.log, Dialer: in.dialer})
	var r *Runner
	// A crashed instance's sinks give up waiting for acknowledgements
	// after CloseTimeout: short, so the test does not wait for the dead.
	e, err := engine.New(engine.Config{Workers: 1, Wait: "park", Log: in.log, CheckpointInterval: 100 * time.Millisecond, CloseTimeout: time.Second,
		CheckpointStore: func(tenant string) engine.CheckpointStore {
			if r == nil {
				return nil
			}
			return r.StoreFor(tenant)
		}})
	if err != nil {
		t.Fatal(err)
	}
	in.e = e
	if in.nc, err = nats.Connect(url, nats.MaxReconnects(-1), nats.SetCustomDialer(in.dialer)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err = New(ctx, e, in.nc, Config{Instance: name, TTL: ttl, Log: in.log})
	if err != nil {
		t.Fatal(err)
	}
	in.r = r
	p, err := spec.Parse("relay.yaml", []byte(yaml), builtin.CatalogFor(in.n))
	if err != nil {
		t.Fatal(err)
	}
	p.Dir = t.TempDir()
	if err := r.Add(ctx, p); err != nil {
		t.Fatal(err)
	}
	r.Start()
	t.Cleanup(in.close)
	return in
}

// crash ends the instance as kill -9 would: no release, no goodbye, and
// from this moment nothing it sends reaches the server (its publishes and
// checkpoints in flight are cut off with it, as a killed process's are);
// then its parts are stopped: the tenants first, then the lease loops.
func (in *instance) crash() {
	in.crashed = true
	in.dialer.sever()
	// Requests waiting on the runner's connection fail now instead of at
	// their timeouts.
	in.nc.Close()
	t0 := time.Now()
	tenants := in.r.Tenants()
	for _, t := range tenants {
		t.Abort()
	}
	for _, t := range tenants {
		<-t.Done()
	}
	t1 := time.Now()
	for _, g := range in.r.groups {
		g.cancel()
		<-g.loopDone
	}
	t2 := time.Now()
	in.e.Close()
	t3 := time.Now()
	in.n.Close()
	in.t.Logf("crash: tenants %v, loop %v, engine %v, nats %v", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), time.Since(t3))
}

func (in *instance) close() {
	if in.crashed {
		return
	}
	in.r.Stop()
	in.e.Close()
	in.n.Close()
	in.nc.Close()
}

// running lists the units the instance runs.
func (in *instance) running() []string {
	var out []string
	for _, g := range in.r.Status() {
		for _, u := range g.Units {
			if u.Running {
				out = append(out, u.Name)
			}
		}
	}
	return out
}

// waitUntil polls cond for up to d; on a timeout it fails with the logs
// of the instances given.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool, ins ...*instance) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			var logs strings.Builder
			for _, in := range ins {
				fmt.Fprintf(&logs, "\n%s runs %v:\n%s", in.name, in.running(), in.log.String())
			}
			t.Fatalf("timed out after %v waiting for %s%s", d, what, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func testServer(t *testing.T) (string, jetstream.JetStream) {
	t.Helper()
	srv, err := natsembed.Start(natsembed.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	return srv.URL(), js
}

// relayYAML relays stream IN (4 partitions) to OUT.
func relayYAML(stopAtEnd bool) string {
	return fmt.Sprintf(`tenant: relay
sources:
  in: {type: jetstream, stream: IN, subject: in, partitions: 4, schema: {id: int, key: string}, stop_at_end: %v}
sinks:
  out: {type: jetstream, inputs: [in], stream: OUT, subject: out, key: [key], batch: 100}
`, stopAtEnd)
}

// feed publishes events ids [0, n) in messages of 100, over 16 keys.
func feed(t *testing.T, js jetstream.JetStream, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "IN", Subjects: []string{"in.*"},
		SubjectTransform: &jetstream.SubjectTransformConfig{Source: "in.*", Destination: "in.{{partition(4,1)}}.{{wildcard(1)}}"}}); err != nil {
		t.Fatal(err)
	}
	for m := 0; m < n/100; m++ {
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
}

// TestInstancesShareUnitsAndTakeOverFromADeadOne: two instances split the
// four partitions; when one dies, the other takes its partitions over once
// their leases expire; a third joining gets its share.
func TestInstancesShareUnitsAndTakeOverFromADeadOne(t *testing.T) {
	url, js := testServer(t)
	feed(t, js, 400)
	const ttl = time.Second
	a := startInstance(t, url, "a", ttl, relayYAML(false))
	b := startInstance(t, url, "b", ttl, relayYAML(false))
	waitUntil(t, 10*time.Second, "two units each", func() bool { return len(a.running()) == 2 && len(b.running()) == 2 })
	crashed := time.Now()
	a.crash()
	t.Logf("crash took %v", time.Since(crashed))
	waitUntil(t, 10*time.Second, "b to run every unit", func() bool { return len(b.running()) == 4 })
	// From the crash's start: a's connections were cut then, so its last
	// heartbeat came before it, however long the rest of the crash took
	// on a busy machine.
	took := time.Since(crashed)
	if took < ttl/2 {
		t.Errorf("b took a's units %v after the crash, before their leases (TTL %v) expired", took, ttl)
	}
	t.Logf("takeover after %v (lease TTL %v)", took, ttl)
	if !strings.Contains(b.log.String(), "held by a, whose lease expired") {
		t.Errorf("b's log:\n%s", b.log.String())
	}
	c := startInstance(t, url, "c", ttl, relayYAML(false))
	waitUntil(t, 10*time.Second, "c to get its share", func() bool { return len(c.running()) == 2 && len(b.running()) == 2 })
	// Stopping hands over: b takes c's units as released, with no lease
	// to wait for.
	given := c.running()
	start := time.Now()
	c.close()
	c.crashed = true
	waitUntil(t, 10*time.Second, "b to run every unit again", func() bool { return len(b.running()) == 4 })
	t.Logf("b took c's released units after %v", time.Since(start))
	for _, u := range given {
		if !strings.Contains(b.log.String(), "takes "+u+" (released)") {
			t.Errorf("b did not take %s as released:\n%s", u, b.log.String())
		}
	}
	if strings.Contains(b.log.String(), "held by c, whose lease expired") {
		t.Errorf("b waited for c's leases to expire:\n%s", b.log.String())
	}
}

// TestTakeoverIsExactlyOnce: an instance dies in the middle of relaying a
// stream; the survivor takes its partitions over from their last
// checkpoints; OUT ends with every event once.
func TestTakeoverIsExactlyOnce(t *testing.T) {
	url, js := testServer(t)
	// Enough events that no unit finishes before the two instances have
	// split the four partitions between them.
	const events = 400000
	feed(t, js, events)
	// A lease long enough that a machine busy with other tests does not
	// starve a's heartbeats into a takeover before the crash (a live
	// instance whose lease expired would publish beside b).
	a := startInstance(t, url, "a", 2*time.Second, relayYAML(true))
	b := startInstance(t, url, "b", 2*time.Second, relayYAML(true))
	// Both relaying (a unit that a finished before the split would leave
	// it one): a dies with units in the middle of their streams.
	waitUntil(t, 30*time.Second, "both to run", func() bool { return len(a.running()) > 0 && len(b.running()) > 0 }, a, b)
	time.Sleep(300 * time.Millisecond)
	a.crash()
	select {
	case <-b.r.Done():
	case <-time.After(60 * time.Second):
		t.Fatalf("b did not finish every unit:\n%s", b.log.String())
	}
	ctx := context.Background()
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
			var r struct{ ID int }
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatal(err)
			}
			seen[r.ID]++
		}
	}
	lost, dup := 0, 0
	for _, n := range seen {
		if n == 0 {
			lost++
		}
		if n > 1 {
			dup += n - 1
		}
	}
	if lost > 0 || dup > 0 {
		t.Fatalf("lost %d, duplicated %d\na:\n%s\nb:\n%s", lost, dup, a.log.String(), b.log.String())
	}
	owners, _, err := Owners(ctx, js, "relay")
	if err != nil || len(owners) != 4 {
		t.Fatalf("owners %v, %v", owners, err)
	}
	for _, o := range owners {
		if !o.Finished || o.Checkpoint == "" {
			t.Errorf("unit %s: %+v", o.Unit, o)
		}
	}
}
