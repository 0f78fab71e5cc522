package serve

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"
)

// frameJSON is a frame as a client reads it.
type frameJSON struct {
	Type     string `json:"type"`
	From     uint64 `json:"from"`
	Seq      uint64 `json:"seq"`
	Checksum string `json:"checksum"`
	Deltas   []struct {
		Seq uint64          `json:"seq"`
		Op  string          `json:"op"`
		Key json.RawMessage `json:"key"`
		Row json.RawMessage `json:"row"`
	} `json:"deltas"`
}

// state is a client's copy: key text -> row text.
type state map[string]string

func (s state) sum() uint64 {
	var sum uint64
	for k, v := range s {
		sum += RowHash([]byte(k), []byte(v))
	}
	return sum
}

// applyDeltaMsg applies one delta message (as the server encodes it).
func (s state) applyDeltaMsg(t *testing.T, m *Msg) {
	var d struct {
		Op  string          `json:"op"`
		Key json.RawMessage `json:"key"`
		Row json.RawMessage `json:"row"`
	}
	if err := json.Unmarshal(m.Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.Op == "delete" {
		delete(s, string(d.Key))
	} else {
		s[string(d.Key)] = string(d.Row)
	}
}

// Randomized: whatever the changes (deletes, evictions that free key ids
// for new keys, checksums in deltas), the frames a framer builds from any
// starting point, at any frame_max, bring a copy at that point to the
// head: the same rows, the frames in sequence without a gap, each ending
// with the checksum of the table at its end, and only one delta per key
// in a frame.
func TestFramesConflateToTheHead(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 5))
			cfg := DefaultConfig("f")
			cfg.MaxRows, cfg.Evict = int64(5+rng.IntN(20)), true
			cfg.ChecksumEvery = uint64(rng.IntN(4))
			cfg.Writers = 0
			tb, err := NewTable(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tb.Close(time.Second)
			for range 50 {
				var ch []Change
				for range 1 + rng.IntN(10) {
					k := []byte(fmt.Sprintf(`["k%d"]`, rng.IntN(40)))
					if rng.IntN(4) == 0 {
						ch = append(ch, Change{Key: k})
					} else {
						ch = append(ch, Change{Key: k, Row: []byte(fmt.Sprintf(`{"v":%d}`, rng.IntN(5)))})
					}
				}
				if err := tb.Apply(ch, 0, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			head := tb.Seq()
			all := tb.WindowFrom(1)
			if uint64(len(all)) != head {
				t.Fatalf("window holds %d deltas, head %d", len(all), head)
			}
			// states[s] is the table as of s.
			states := []state{{}}
			for _, m := range all {
				next := maps.Clone(states[len(states)-1])
				next.applyDeltaMsg(t, m)
				states = append(states, next)
			}
			f := newFramer(1 + rng.IntN(30))
			for range 30 {
				f.reset(head)
				clear(f.cache)
				f.cache = f.cache[:0]
				f.ckpt = uint64(rng.IntN(int(head)))
				from := 1 + uint64(rng.IntN(int(head)))
				msgs, ok := f.appendFrames(nil, tb.window, from)
				if !ok {
					t.Fatalf("frames from %d: the window holds 1..%d", from, head)
				}
				if end := msgs[len(msgs)-1].Seq; end < head {
					// Brought to the checkpoint: the next pass's frames
					// go on from there to the head.
					if more, ok := f.appendFrames(msgs, tb.window, end+1); ok {
						msgs = more
					} else {
						t.Fatalf("frames from %d: the window holds 1..%d", end+1, head)
					}
				}
				copy := maps.Clone(states[from-1])
				at := from - 1
				for _, m := range msgs {
					var fr frameJSON
					if err := json.Unmarshal(m.Data, &fr); err != nil {
						t.Fatalf("frame %s: %v", m.Data, err)
					}
					if fr.Type != "frame" || fr.From != at+1 || fr.Seq < fr.From || fr.Seq-fr.From >= uint64(f.max) {
						t.Fatalf("after %d: frame %d..%d (frame_max %d)", at, fr.From, fr.Seq, f.max)
					}
					keys := map[string]bool{}
					for _, d := range fr.Deltas {
						if keys[string(d.Key)] {
							t.Fatalf("frame %d..%d holds key %s twice", fr.From, fr.Seq, d.Key)
						}
						keys[string(d.Key)] = true
						if d.Op == "delete" {
							delete(copy, string(d.Key))
						} else {
							copy[string(d.Key)] = string(d.Row)
						}
					}
					at = fr.Seq
					if !maps.Equal(copy, states[at]) {
						t.Fatalf("after frame %d..%d: %v, table %v", fr.From, fr.Seq, copy, states[at])
					}
					if fr.Checksum != FormatChecksum(copy.sum()) {
						t.Fatalf("frame %d..%d carries checksum %s, the copy's is %s", fr.From, fr.Seq, fr.Checksum, FormatChecksum(copy.sum()))
					}
				}
				if at != head {
					t.Fatalf("frames from %d end at %d, head %d", from, at, head)
				}
				stops := false
				for _, m := range msgs {
					stops = stops || m.Seq == f.ckpt
				}
				if from <= f.ckpt && f.ckpt < head && !stops {
					t.Fatalf("frames from %d, before the checkpoint %d, do not stop there", from, f.ckpt)
				}
			}
		})
	}
}
