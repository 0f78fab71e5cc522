package serve

import (
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

// framer builds the frames of the writer passes of one writer (or, with
// Writers 0, of one subscriber's goroutine) and caches them, so that
// subscribers at the same place share one encoding. Every frame ends at a
// pass's head; a subscriber in sync starts at the previous head, so one
// frame a pass serves them all. A subscriber that skipped passes (still
// writing) starts elsewhere: to keep those few starting points shared,
// such a subscriber is brought first to the latest checkpoint (a head
// taken every checkpointPasses passes; frames ending there are kept
// across passes), where the others that lag land too, and from there
// on shares their frames. It is not safe for concurrent use.
type framer struct {
	// max is the most sequence numbers one frame covers; a longer range
	// becomes several frames, each conflated on its own (so that each
	// ends at a state of the table).
	max int
	// head is the pass's last sequence number; ckpt the latest
	// checkpoint (0: none), passes the passes since it.
	head, ckpt uint64
	passes     int
	cache      []framed
	raw        []*Msg
	kept       []*Msg
	// Conflation marks, by key id (one key per id within the window):
	// stamp[id] == gen when kept holds a delta of that id.
	stamp []uint32
	gen   uint32

	// Figures of the frames built, for the hub's counters.
	built, conflated, bytes uint64
}

// checkpointPasses is how many passes apart checkpoints are.
const checkpointPasses = 8

type framed struct {
	from, to uint64
	msgs     []*Msg
}

func newFramer(max int) *framer {
	return &framer{max: max}
}

// reset starts a pass whose frames end at head. Frames ending at the
// checkpoint stay cached; the others go.
func (f *framer) reset(head uint64) {
	f.head = head
	f.passes++
	if f.passes >= checkpointPasses || f.ckpt > head {
		f.ckpt, f.passes = head, 0
	}
	n := 0
	for _, e := range f.cache {
		if e.to == f.ckpt {
			f.cache[n] = e
			n++
		}
	}
	clear(f.cache[n:])
	f.cache = f.cache[:n]
}

// appendFrames appends to dst the frames that bring a subscriber from
// from-1 to the pass's head, or, when from is at or before the latest
// checkpoint, to the checkpoint: a lagging subscriber then lands where
// every other one served since the checkpoint lands, and they share their
// next frames. ok is false (dst as it was) when the window no longer holds
// every delta they need (the subscriber must resync).
func (f *framer) appendFrames(dst []*Msg, w *window, from uint64) (_ []*Msg, ok bool) {
	if from > f.head {
		panic("BUG: serve: a frame asked for beyond the pass's head")
	}
	if from <= f.ckpt && f.ckpt < f.head {
		return f.get(dst, w, from, f.ckpt)
	}
	return f.get(dst, w, from, f.head)
}

// get appends the frames from..to, built once and cached.
func (f *framer) get(dst []*Msg, w *window, from, to uint64) (_ []*Msg, ok bool) {
	for i := range f.cache {
		if e := &f.cache[i]; e.from == from && e.to == to {
			return append(dst, e.msgs...), true
		}
	}
	var out []*Msg
	for a := from; a <= to; {
		b := min(to, a+uint64(f.max)-1)
		raw, ok := w.appendRange(f.raw[:0], a, b)
		f.raw = raw
		if !ok {
			return dst, false
		}
		out = append(out, f.build(a, b, raw))
		clear(f.raw)
		if cap(f.raw) > 1<<16 {
			f.raw = nil // a long catch-up's scratch is not kept
		}
		a = b + 1
	}
	f.cache = append(f.cache, framed{from: from, to: to, msgs: out})
	return append(dst, out...), true
}

// build encodes the frame a..b from its deltas raw (a..b in order).
func (f *framer) build(a, b uint64, raw []*Msg) *Msg {
	kept := f.kept[:0]
	f.gen++
	if f.gen == 0 { // wrapped: old marks could match
		clear(f.stamp)
		f.gen = 1
	}
	size := len(framePrefix) + len(frameSeq) + len(frameChecksum) + len(frameDeltas) + len(frameEnd) + 2*20 + checksumDigits
	for i := len(raw) - 1; i >= 0; i-- {
		m := raw[i]
		id := int(m.keyID)
		if id >= len(f.stamp) {
			f.stamp = append(f.stamp, make([]uint32, id+1-len(f.stamp)+len(f.stamp)/2)...)
		}
		if f.stamp[id] == f.gen {
			continue // a later delta of the same key is in the frame
		}
		f.stamp[id] = f.gen
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
