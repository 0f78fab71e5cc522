package connect

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/event"
)

// manyPlays returns n play events, each with values of its own.
func manyPlays(t *testing.T, n int) (*event.Schema, []event.Event) {
	t.Helper()
	s, base := playEvents(t, newTestRegistry())
	out := make([]event.Event, n)
	for i := range out {
		e := base[i%len(base)].Clone()
		if len(e.Fields) > 2 {
			e.Fields[2] = event.IntValue(int64(i))
		}
		e.Fields[1] = event.StringValue(fmt.Sprintf("cdn-%d \"%d\"", i%7, i))
		out[i] = e
	}
	return s, out
}

// TestEncodePoolWritesWhatOneFormatWrites: batches of every size around
// the thresholds, encoded with helpers (0 to 3), give the bytes one
// lineFormat gives, in order, batch after batch; the helpers stop and
// start again.
func TestEncodePoolWritesWhatOneFormatWrites(t *testing.T) {
	s, evs := manyPlays(t, 5000)
	newFormat := func() lineFormat { return lineFormat{cache: schemaCache{inputs: []*event.Schema{s}}} }
	want := newFormat()
	for helpers := range 4 {
		pool := newEncodePool(helpers, newFormat)
		lf := newFormat()
		var got, exp []byte
		var err error
		total := 0
		for round := range 2 {
			at := 0
			for _, size := range []int{1, encodePart - 1, encodePart, 2*encodePart - 1, 2 * encodePart, 2*encodePart + 1, 3*encodePart + 7, 512, 1000, 1} {
				batch := evs[at : at+size]
				at += size
				total += size
				if got, err = pool.encode(got, &lf, batch); err != nil {
					t.Fatal(err)
				}
				if exp, err = appendLines(exp, &want, batch); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, exp) {
					t.Fatalf("%d helpers, round %d, batch of %d: the lines differ from one format's", helpers, round, size)
				}
			}
			pool.stop()
		}
		if lines := strings.Count(string(got), "\n"); lines != total {
			t.Fatalf("%d helpers: %d lines", helpers, lines)
		}
	}
}

// TestEncodePoolManyBatches: many batches in a row, each of them shared
// with a helper, come out whole and in order (the handover of each batch's
// last part under the race detector).
func TestEncodePoolManyBatches(t *testing.T) {
	s, evs := manyPlays(t, 300)
	newFormat := func() lineFormat { return lineFormat{cache: schemaCache{inputs: []*event.Schema{s}}} }
	pool := newEncodePool(2, newFormat)
	defer pool.stop()
	lf, want := newFormat(), newFormat()
	exp, err := appendLines(nil, &want, evs)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for i := range 2000 {
		if got, err = pool.encode(got[:0], &lf, evs); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, exp) {
			t.Fatalf("batch %d differs", i)
		}
	}
}

// TestEncodePoolReportsTheFirstError: an event of an unknown schema in a
// helper's part fails the batch with that event's error.
func TestEncodePoolReportsTheFirstError(t *testing.T) {
	s, evs := manyPlays(t, 1000)
	evs[900].Schema = s.ID + 100
	newFormat := func() lineFormat { return lineFormat{cache: schemaCache{inputs: []*event.Schema{s}}} }
	pool := newEncodePool(3, newFormat)
	defer pool.stop()
	lf := newFormat()
	_, err := pool.encode(nil, &lf, evs)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("unknown schema id %d", s.ID+100)) {
		t.Fatalf("error %v, want the unknown schema of event 900", err)
	}
}
