package client

import (
	"bytes"
	"fmt"
	"strconv"
)

// ApplyRaw applies one message's text. Deltas and snapshot parts in the
// form the server writes them ({"type":"delta","seq":N,"op":...,"key":K,
// "row":R}, {"type":"snapshot","seq":S,"rows":[{"key":K,"row":R},...]},
// no spaces) are read without a JSON decoder, so a client keeps up with
// many deltas a second; anything else goes through Decode and Apply. The
// message it returns is nil for those read on the fast path.
func (r *Replica) ApplyRaw(raw []byte) (*Message, error) {
	if d, ok := parseDelta(raw); ok {
		if !r.Synced || r.building {
			return nil, fmt.Errorf("%w: delta %d before a snapshot", ErrProtocol, d.seq)
		}
		if d.seq != r.Seq+1 {
			return nil, fmt.Errorf("%w: delta %d after %d", ErrDiscontinuity, d.seq, r.Seq)
		}
		if d.row == nil {
			r.del(d.key)
		} else {
			r.put(d.key, d.row)
		}
		r.Seq = d.seq
		r.Deltas++
		if d.sum != "" {
			if err := r.verify(d.sum, d.seq); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	if ok, err := r.applySnapshotPart(raw); ok {
		return nil, err
	}
	if ok, err := r.applyFrame(raw); ok {
		return nil, err
	}
	m, err := Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	return m, r.Apply(m)
}

type delta struct {
	seq      uint64
	key, row []byte // row nil: delete
	sum      string
}

var (
	dPrefix = []byte(`{"type":"delta","seq":`)
	dUpsert = []byte(`,"op":"upsert","key":`)
	dDelete = []byte(`,"op":"delete","key":`)
	dRow    = []byte(`,"row":`)
	dSum    = []byte(`,"checksum":"`)
)

// parseDelta reads a delta as the server writes it. The key is a JSON
// array of scalars, so its end is the first `]` outside a string.
func parseDelta(b []byte) (d delta, ok bool) {
	if !bytes.HasPrefix(b, dPrefix) || len(b) < 2 || b[len(b)-1] != '}' {
		return d, false
	}
	b = b[len(dPrefix) : len(b)-1]
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	seq, err := strconv.ParseUint(string(b[:i]), 10, 64)
	if err != nil {
		return d, false
	}
	d.seq = seq
	b = b[i:]
	upsert := bytes.HasPrefix(b, dUpsert)
	if !upsert && !bytes.HasPrefix(b, dDelete) {
		return d, false
	}
	b = b[len(dUpsert):]
	end := keyEnd(b)
	if end < 0 {
		return d, false
	}
	d.key, b = b[:end], b[end:]
	if upsert {
		if !bytes.HasPrefix(b, dRow) {
			return d, false
		}
		b = b[len(dRow):]
		// The row runs to the end, or to a trailing checksum.
		if j := bytes.LastIndex(b, dSum); j >= 0 && len(b)-j == len(dSum)+17 && b[len(b)-1] == '"' {
			d.sum = string(b[j+len(dSum) : len(b)-1])
			b = b[:j]
		}
		if len(b) == 0 || b[0] != '{' || b[len(b)-1] != '}' {
			return d, false
		}
		d.row = b
		return d, true
	}
	if len(b) > 0 {
		if !bytes.HasPrefix(b, dSum) || len(b) != len(dSum)+17 {
			return d, false
		}
		d.sum = string(b[len(dSum) : len(b)-1])
	}
	return d, true
}

// keyEnd returns the length of the JSON array at the start of b, or -1.
func keyEnd(b []byte) int {
	if len(b) == 0 || b[0] != '[' {
		return -1
	}
	in := false
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case !in && c == ']':
			return i + 1
		case !in && (c == '[' || c == '{'):
			return -1
		}
	}
	return -1
}

var (
	sPrefix = []byte(`{"type":"snapshot","seq":`)
	sRows   = []byte(`,"rows":[`)
	sKey    = []byte(`{"key":`)
)

// applySnapshotPart applies a snapshot message in the form the server
// writes it without a JSON decoder; ok is false when it is not in that
// form (nothing is applied then).
func (r *Replica) applySnapshotPart(b []byte) (ok bool, err error) {
	if !bytes.HasPrefix(b, sPrefix) || !bytes.HasSuffix(b, []byte("]}")) {
		return false, nil
	}
	b = b[len(sPrefix) : len(b)-2]
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	seq, perr := strconv.ParseUint(string(b[:i]), 10, 64)
	if perr != nil || !bytes.HasPrefix(b[i:], sRows) {
		return false, nil
	}
	b = b[i+len(sRows):]
	type kv struct{ k, v []byte }
	var rows []kv
	for len(b) > 0 {
		if len(rows) > 0 {
			if b[0] != ',' {
				return false, nil
			}
			b = b[1:]
		}
		if !bytes.HasPrefix(b, sKey) {
			return false, nil
		}
		b = b[len(sKey):]
		end := keyEnd(b)
		if end < 0 || !bytes.HasPrefix(b[end:], dRow) {
			return false, nil
		}
		k := b[:end]
		b = b[end+len(dRow):]
		end = objectEnd(b)
		if end < 0 || end >= len(b) || b[end] != '}' {
			return false, nil
		}
		rows = append(rows, kv{k, b[:end]})
		b = b[end+1:]
	}
	if err := r.Apply(&Message{Type: "snapshot", Seq: seq}); err != nil {
		return true, err
	}
	for _, e := range rows {
		r.put(e.k, e.v)
	}
	return true, nil
}

// objectEnd returns the length of the JSON object at the start of b, or
// -1.
func objectEnd(b []byte) int {
	if len(b) == 0 || b[0] != '{' {
		return -1
	}
	depth, in := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if in {
			switch c {
			case '\\':
				i++
			case '"':
				in = false
			}
			continue
		}
		switch c {
		case '"':
			in = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

var (
	fPrefix = []byte(`{"type":"frame","from":`)
	fSeq    = []byte(`,"seq":`)
	fSum    = []byte(`,"checksum":"`)
	fDeltas = []byte(`","deltas":[`)
	fDelta  = []byte(`{"seq":`)
)

// applyFrame applies a frame in the form the server writes it
// ({"type":"frame","from":A,"seq":B,"checksum":"…","deltas":[{"seq":N,
// "op":…,"key":K,"row":R},…]}) without a JSON decoder; ok is false when it
// is not in that form (nothing is applied then). The frame is checked
// whole before any of it is applied.
func (r *Replica) applyFrame(b []byte) (ok bool, err error) {
	if !bytes.HasPrefix(b, fPrefix) || !bytes.HasSuffix(b, []byte("]}")) {
		return false, nil
	}
	b = b[len(fPrefix) : len(b)-2]
	from, b, ok := cutUint(b)
	if !ok || !bytes.HasPrefix(b, fSeq) {
		return false, nil
	}
	to, b, ok := cutUint(b[len(fSeq):])
	if !ok || !bytes.HasPrefix(b, fSum) || len(b) < len(fSum)+16+len(fDeltas) {
		return false, nil
	}
	sum := b[len(fSum) : len(fSum)+16]
	b = b[len(fSum)+16:]
	if !bytes.HasPrefix(b, fDeltas) {
		return false, nil
	}
	b = b[len(fDeltas):]
	ds := r.frame[:0]
	prev := from - 1
	for len(b) > 0 {
		if len(ds) > 0 {
			if b[0] != ',' {
				return false, nil
			}
			b = b[1:]
		}
		if !bytes.HasPrefix(b, fDelta) {
			return false, nil
		}
		var seq uint64
		seq, b, ok = cutUint(b[len(fDelta):])
		if !ok {
			return false, nil
		}
		upsert := bytes.HasPrefix(b, dUpsert)
		if !upsert && !bytes.HasPrefix(b, dDelete) {
			return false, nil
		}
		b = b[len(dUpsert):]
		end := keyEnd(b)
		if end < 0 {
			return false, nil
		}
		d := delta{seq: seq, key: b[:end]}
		b = b[end:]
		if upsert {
			if !bytes.HasPrefix(b, dRow) {
				return false, nil
			}
			b = b[len(dRow):]
			end = objectEnd(b)
			if end < 0 {
				return false, nil
			}
			d.row, b = b[:end], b[end:]
		}
		if len(b) == 0 || b[0] != '}' {
			return false, nil
		}
		b = b[1:]
		if seq <= prev || seq > to {
			r.frame = ds[:0]
			return true, fmt.Errorf("%w: frame %d..%d holds delta %d after %d", ErrProtocol, from, to, seq, prev)
		}
		prev = seq
		ds = append(ds, d)
	}
	r.frame = ds[:0]
	if err := r.checkFrame(from, to); err != nil {
		return true, err
	}
	for _, d := range ds {
		if d.row == nil {
			r.del(d.key)
		} else {
			r.put(d.key, d.row)
		}
	}
	clear(ds)
	return true, r.endFrame(to, uint64(len(ds)), string(sum))
}

// cutUint reads the decimal number at the start of b.
func cutUint(b []byte) (uint64, []byte, bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == 0 || i > 20 {
		return 0, b, false
	}
	u, err := strconv.ParseUint(string(b[:i]), 10, 64)
	return u, b[i:], err == nil
}
