package engine

import (
	"reflect"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

// TestInflightRoundTrip: in-flight input decodes to the same events, by
// port, with types looked up by name in another run's registry (whose ids
// differ); bad bytes, an unknown port or type are errors, never a panic.
func TestInflightRoundTrip(t *testing.T) {
	reg := registry.New()
	a, _ := reg.Register(event.MustSchema("t", "a", event.Field{Name: "x", Kind: event.Int}))
	b, _ := reg.Register(event.MustSchema("t", "b", event.Field{Name: "s", Kind: event.String}))
	batches := []replayBatch{
		{port: 0, evs: []event.Event{
			{Schema: a.ID, Time: 5, Created: 7, Key: 11, Fields: []event.Value{event.IntValue(-3)}},
			{Schema: b.ID, Time: -1, Key: 1 << 63, Fields: []event.Value{event.StringValue("héllo")}},
		}},
		{port: 1, evs: []event.Event{{Fields: []event.Value{{}, event.FloatValue(2.5)}}}},
	}
	enc := inflightEncoder{reg: reg, types: map[uint32]uint64{}}
	for _, rb := range batches {
		enc.batch(rb.port, rb.evs)
	}
	data := enc.bytes()

	next := registry.New() // another run: b registered first, ids swapped
	b2, _ := next.Register(event.MustSchema("t", "b", event.Field{Name: "s", Kind: event.String}))
	a2, _ := next.Register(event.MustSchema("t", "a", event.Field{Name: "x", Kind: event.Int}))
	got, err := decodeInflight(next, data, map[int]bool{0: true, 1: true})
	if err != nil {
		t.Fatal(err)
	}
	want := batches
	want[0].evs[0].Schema, want[0].evs[1].Schema = a2.ID, b2.ID
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded %+v\nwant %+v", got, want)
	}

	if _, err := decodeInflight(next, data, map[int]bool{0: true}); err == nil || !strings.Contains(err.Error(), "input 1") {
		t.Errorf("unknown port: %v", err)
	}
	if _, err := decodeInflight(registry.New(), data, map[int]bool{0: true, 1: true}); err == nil || !strings.Contains(err.Error(), `type "a"`) {
		t.Errorf("unknown type: %v", err)
	}
	for n := range len(data) {
		if _, err := decodeInflight(next, data[:n], map[int]bool{0: true, 1: true}); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(data))
		}
	}
	if enc := (inflightEncoder{reg: reg, types: map[uint32]uint64{}}); enc.bytes() != nil {
		t.Error("no events encode to something")
	}
}

// TestInflightEntryFile: a checkpoint with in-flight input beside an
// instance's state is written as version 2 and reads back with both
// entries apart; one without stays version 1.
func TestInflightEntryFile(t *testing.T) {
	c := testCheckpoint(1)
	c.Entries = append(c.Entries, entry{Node: "count", Instance: 1, Fingerprint: "bb", Inflight: true, data: []byte("queued")})
	b, err := c.encode()
	if err != nil {
		t.Fatal(err)
	}
	if b[4] != inflightVersion {
		t.Fatalf("version %d, want %d", b[4], inflightVersion)
	}
	back, err := decodeCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	if e := back.lookup("count", 1); e == nil || e.Inflight || string(e.data) != "\x00\x01\x02\x03" {
		t.Fatalf("state entry: %+v", e)
	}
	if e := back.lookupInflight("count", 1); e == nil || string(e.data) != "queued" {
		t.Fatalf("in-flight entry: %+v", e)
	}
	if n := back.inflightBytes(); n != 6 {
		t.Fatalf("in-flight bytes %d, want 6", n)
	}
	plain, _ := testCheckpoint(2).encode()
	if plain[4] != checkpointVersion {
		t.Fatalf("version %d without in-flight input, want %d", plain[4], checkpointVersion)
	}
}
