package serve_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/spec"
)

// startPipeline compiles and runs the pipeline on e (started or not).
func startPipeline(t *testing.T, e *engine.Engine, yaml string) *engine.Tenant {
	t.Helper()
	p, err := spec.Parse("live.yaml", []byte(yaml), builtin.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := e.Run(pl)
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// The serve sink keeps the latest count per key of a running pipeline;
// a subscriber's replica equals the table; the tenant's memory includes
// the table; stopping the tenant ends the subscription with a final
// progress message and releases the address.
func TestSinkInPipeline(t *testing.T) {
	e, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Start()
	const addr = "127.0.0.1:0"
	tn := startPipeline(t, e, `tenant: live
sources:
  gen: {type: generate, profile: sequence, rate: 20000, keys: 50}
transforms:
  per_key: {type: count, inputs: [gen], key: [key], emit: interval, every: 20ms}
sinks:
  counts: {type: serve, inputs: [per_key], key: [key], address: "`+addr+`", progress: 50ms, checksum_every: 10}
  totals: {type: serve, inputs: [gen], key: [key], address: "`+addr+`"}
`)
	var tb *serve.Table
	waitFor(t, "the table", func() bool { tb = serve.Lookup(addr, "counts"); return tb != nil })
	if other := serve.Lookup(addr, "totals"); other == nil || other.HTTPAddr() != tb.HTTPAddr() {
		t.Fatal("two sinks naming one address are not served by one server")
	}
	f := follow(t, wsURL(tb), nil)
	waitFor(t, "50 rows", func() bool { return tb.Stats().Rows == 50 && tb.Seq() > 200 })
	resp, err := http.Get("http://" + tb.HTTPAddr() + "/tables")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Tables []struct {
			Name, Tenant string
			Key          []string
		}
	}
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Tables) != 2 || list.Tables[0].Name != "counts" || list.Tables[0].Tenant != "live" || list.Tables[0].Key[0] != "key" {
		t.Fatalf("GET /tables: %+v", list)
	}
	var mem engine.MemoryStats
	waitFor(t, "the table in the tenant's memory", func() bool { mem = tn.Stats().Memory; return mem.StateKeys >= 100 })
	// The sinks' own figures (component.Figurer) reach the tenant's stats.
	waitFor(t, "the tables' figures", func() bool {
		rows := map[string]float64{}
		for _, cf := range tn.Stats().Figures {
			for _, f := range cf.Figures {
				if err := component.CheckFigure(f); err != nil {
					t.Fatal(err)
				}
				switch f.Name {
				case "serve_rows":
					rows[cf.Name] = f.Value
				case "serve_subscriber_lag_deltas":
					if cf.Name != "counts" || f.Labels[0].Name != "subscriber" || f.Labels[1].Value != "websocket" {
						t.Fatalf("%s: %+v", cf.Name, f)
					}
					rows["lag"]++
				case "serve_subscribers":
					rows[cf.Name+" subscribers"] = f.Value
				}
			}
		}
		return rows["counts"] == 50 && rows["totals"] == 50 && rows["counts subscribers"] == 1 && rows["lag"] == 1 && rows["totals subscribers"] == 0
	})
	tn.Stop()
	if err := tn.Wait(); err != nil {
		t.Fatal(err)
	}
	if !serve.Drain(5 * time.Second) {
		t.Fatal("the tables did not close")
	}
	<-f.done
	f.cancel = nil
	if !f.r.Synced || f.r.Seq != tb.Seq() || serve.FormatChecksum(f.r.Sum) != tb.Stats().Checksum || f.r.Verified < 2 {
		t.Fatalf("replica at %d (synced %v, %d checksums verified), table at %d", f.r.Seq, f.r.Synced, f.r.Verified, tb.Seq())
	}
	if serve.Lookup(addr, "counts") != nil {
		t.Fatal("the table is still served after its tenant stopped")
	}
}

// Options are checked where they are written: a key field the input
// lacks, a bad address.
func TestSinkOptions(t *testing.T) {
	p, err := spec.Parse("bad.yaml", []byte(`tenant: bad
sources:
  gen: {type: generate, profile: sequence, count: 1}
sinks:
  t:
    type: serve
    inputs: [gen]
    key: [kee]
    address: "nowhere"
`), builtin.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(engine.Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err = e.Compile(p); err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`bad.yaml:8:11: sink "t": option "key[0]": field "kee" is not in input schema "sequence" (did you mean "key"?)`,
		`bad.yaml:9:14: sink "t": option "address": "nowhere" is not host:port`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors:\n%v\nwant %q", err, want)
		}
	}
}

// A port in use fails the tenant at start, naming the address.
func TestSinkAddressInUse(t *testing.T) {
	tb := newTable(t, testConfig("x"))
	e, err := engine.New(engine.Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p, err := spec.Parse("busy.yaml", []byte(`sources:
  gen: {type: generate, profile: sequence, count: 1}
sinks:
  t: {type: serve, inputs: [gen], key: [key], tcp_address: "`+tb.HTTPAddr()+`"}
`), builtin.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	pl, err := e.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Run(pl)
	if err == nil || !strings.Contains(err.Error(), "cannot listen on") && !strings.Contains(err.Error(), "already serves") {
		t.Fatalf("run: %v", err)
	}
}
