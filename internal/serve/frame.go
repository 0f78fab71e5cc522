package serve

import (
	"bytes"
	"strconv"
)

// A frame is one message carrying every change of a range of sequence
// numbers A..B, conflated by key: of the deltas A..B only the last of each
// key is in it (deltas carry absolute values, so an earlier change of the
// same key is replaced by the later one anyway). A client at A-1 that
// applies the frame's deltas in order holds the table as of B; the frame
// carries the table's checksum at B. One frame is encoded once per writer
// pass and range, and the same bytes go to every subscriber at A-1.
//
//	{"type":"frame","from":A,"seq":B,"checksum":"…","deltas":[{"seq":N,"op":"upsert","key":K,"row":R},…]}
const (
	framePrefix   = `{"type":"frame","from":`
	frameSeq      = `,"seq":`
	frameChecksum = `,"checksum":"`
	frameDeltas   = `","deltas":[`
	frameEnd      = `]}`
	// deltaBody is where a delta's fields start in its message: a frame's
	// delta is the message without its "type" (and without a checksum,
	// which would describe a state the frame skips).
	deltaBody = len(`{"type":"delta",`)
)

// framer builds the frames of one writer pass: it caches them by the
// sequence number they start from, so subscribers at the same place share
// one encoding. It is used by one goroutine at a time (a writer, or with
// Writers 0 a subscriber's goroutine).
type framer struct {
	// max is the most sequence numbers one frame covers; a longer range
	// becomes several frames, each conflated on its own (so that each
	// ends at a state of the table).
	max int
	// head is the pass's last sequence number: every frame ends there.
	head  uint64
	cache []framed
	raw   []*Msg
	kept  []*Msg
	seen  map[uint64]int32 // key hash -> index in kept (newest first)

	// Figures of the frames built, for the hub's counters.
	built, conflated, bytes uint64
}

type framed struct {
	from uint64
	msgs []*Msg
}

func newFramer(max int) *framer {
	return &framer{max: max, seen: map[uint64]int32{}}
}

// reset starts a pass whose frames end at head.
func (f *framer) reset(head uint64) {
	clear(f.cache)
	f.cache = f.cache[:0]
	f.head = head
}

// frames returns the frames that bring a subscriber from from-1 to the
// pass's head, built at most once per pass; ok is false when the window
// no longer holds the delta from (the subscriber must resync).
func (f *framer) frames(w *window, from uint64) (_ []*Msg, ok bool) {
	for i := range f.cache {
		if f.cache[i].from == from {
			return f.cache[i].msgs, true
		}
	}
	if from > f.head {
		panic("BUG: serve: a frame asked for beyond the pass's head")
	}
	var out []*Msg
	for a := from; a <= f.head; {
		b := min(f.head, a+uint64(f.max)-1)
		raw, ok := w.appendRange(f.raw[:0], a, b)
		f.raw = raw
		if !ok {
			return nil, false
		}
		out = append(out, f.build(a, b, raw))
		clear(f.raw)
		a = b + 1
	}
	f.cache = append(f.cache, framed{from: from, msgs: out})
	return out, true
}

// build encodes the frame a..b from its deltas raw (a..b in order).
func (f *framer) build(a, b uint64, raw []*Msg) *Msg {
	kept := f.kept[:0]
	clear(f.seen)
	size := len(framePrefix) + len(frameSeq) + len(frameChecksum) + len(frameDeltas) + len(frameEnd) + 2*20 + checksumDigits
	for i := len(raw) - 1; i >= 0; i-- {
		m := raw[i]
		if j, dup := f.seen[m.KeyHash]; dup && bytes.Equal(kept[j].key(), m.key()) {
			continue // a later delta of the same key is in the frame
		} else if !dup {
			f.seen[m.KeyHash] = int32(len(kept))
		}
		kept = append(kept, m)
		size += len(m.Data) - deltaBody + 2
	}
	buf := make([]byte, 0, size)
	buf = append(buf, framePrefix...)
	buf = strconv.AppendUint(buf, a, 10)
	buf = append(buf, frameSeq...)
	buf = strconv.AppendUint(buf, b, 10)
	buf = append(buf, frameChecksum...)
	buf = appendChecksum(buf, raw[len(raw)-1].Sum)
	buf = append(buf, frameDeltas...)
	for i := len(kept) - 1; i >= 0; i-- {
		m := kept[i]
		end := len(m.Data) - 1
		if m.sumAt > 0 {
			end = int(m.sumAt)
		}
		if i < len(kept)-1 {
			buf = append(buf, ',')
		}
		buf = append(buf, '{')
		buf = append(buf, m.Data[deltaBody:end]...)
		buf = append(buf, '}')
	}
	buf = append(buf, frameEnd...)
	clear(kept)
	f.kept = kept[:0]
	f.built++
	f.conflated += uint64(len(raw) - len(kept))
	f.bytes += uint64(len(buf))
	return &Msg{Kind: KindFrame, From: a, Seq: b, Data: buf}
}
