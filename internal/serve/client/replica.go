package client

import (
	"errors"
	"fmt"

	"github.com/greenwave/greenwave/internal/serve"
)

// Errors Apply returns when the stream breaks the protocol's promises;
// Follow recovers from each.
var (
	// ErrDiscontinuity: a delta or progress message is not the next in
	// sequence and no gap message said so.
	ErrDiscontinuity = errors.New("sequence discontinuity")
	// ErrChecksum: the replica's checksum differs from the server's.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrProtocol: a message out of place (a delta before any snapshot).
	ErrProtocol = errors.New("protocol violation")
)

// Replica is a client's copy of a table. It is not safe for concurrent
// use.
type Replica struct {
	// Seq is the sequence number of the last change applied.
	Seq uint64
	// Rows maps each key's text to its row's text.
	Rows map[string][]byte
	// Sum is the replica's checksum, kept up to date.
	Sum uint64
	// Synced is set once a snapshot is complete, and cleared by a gap
	// until the next snapshot ends.
	Synced bool
	// Watermark is the latest progress message's watermark, if any.
	Watermark string
	// Session is the table's session as of the last snapshot: a resume
	// sends it, so that a table that restarted since answers with a
	// snapshot instead of deltas that do not follow this copy.
	Session string

	// Figures: deltas applied (in delta messages and frames), frames
	// applied, snapshots completed, gaps announced by the server,
	// checksums verified.
	Deltas, Frames, Snapshots, Gaps, Verified uint64

	building bool
	snapSeq  uint64
	frame    []delta // scratch of ApplyRaw's frames
}

// NewReplica returns an empty replica.
func NewReplica() *Replica { return &Replica{Rows: map[string][]byte{}} }

// Apply applies one message. An error leaves the replica as it was before
// the message, unsynced after a checksum mismatch.
func (r *Replica) Apply(m *Message) error {
	switch m.Type {
	case "snapshot":
		if !r.building {
			r.building, r.snapSeq, r.Synced = true, m.Seq, false
			clear(r.Rows)
			r.Sum = 0
		} else if m.Seq != r.snapSeq {
			return fmt.Errorf("%w: snapshot part at seq %d inside the snapshot at %d", ErrProtocol, m.Seq, r.snapSeq)
		}
		for _, e := range m.Rows {
			r.put(e.Key, e.Row)
		}
	case "snapshot_end":
		if !r.building || m.Seq != r.snapSeq {
			return fmt.Errorf("%w: snapshot_end at seq %d without its snapshot", ErrProtocol, m.Seq)
		}
		r.building = false
		r.Seq = m.Seq
		r.Session = m.Session
		if err := r.verify(m.Checksum, m.Seq); err != nil {
			return err
		}
		r.Synced = true
		r.Snapshots++
	case "delta":
		if !r.Synced || r.building {
			return fmt.Errorf("%w: delta %d before a snapshot", ErrProtocol, m.Seq)
		}
		if m.Seq != r.Seq+1 {
			return fmt.Errorf("%w: delta %d after %d", ErrDiscontinuity, m.Seq, r.Seq)
		}
		switch m.Op {
		case "upsert":
			r.put(m.Key, m.Row)
		case "delete":
			r.del(m.Key)
		default:
			return fmt.Errorf("%w: delta %d has op %q", ErrProtocol, m.Seq, m.Op)
		}
		r.Seq = m.Seq
		r.Deltas++
		if m.Checksum != "" {
			if err := r.verify(m.Checksum, m.Seq); err != nil {
				return err
			}
		}
	case "frame":
		if err := r.checkFrame(m.From, m.Seq); err != nil {
			return err
		}
		prev := m.From - 1
		for _, d := range m.Deltas {
			if d.Seq <= prev || d.Seq > m.Seq {
				return fmt.Errorf("%w: frame %d..%d holds delta %d after %d", ErrProtocol, m.From, m.Seq, d.Seq, prev)
			}
			if d.Op != "upsert" && d.Op != "delete" {
				return fmt.Errorf("%w: delta %d has op %q", ErrProtocol, d.Seq, d.Op)
			}
			prev = d.Seq
		}
		for _, d := range m.Deltas {
			if d.Op == "upsert" {
				r.put(d.Key, d.Row)
			} else {
				r.del(d.Key)
			}
		}
		return r.endFrame(m.Seq, uint64(len(m.Deltas)), m.Checksum)
	case "progress":
		if m.Watermark != nil {
			r.Watermark = *m.Watermark
		}
		if r.Synced && m.Seq != r.Seq {
			return fmt.Errorf("%w: progress at %d, replica at %d", ErrDiscontinuity, m.Seq, r.Seq)
		}
	case "gap":
		r.Synced, r.building = false, false
		r.Gaps++
	case "error":
		return fmt.Errorf("server: %s", m.Error)
	default:
		// Unknown types are skipped: the protocol may add some.
	}
	return nil
}

// checkFrame checks that a frame from..to follows the replica.
func (r *Replica) checkFrame(from, to uint64) error {
	if !r.Synced || r.building {
		return fmt.Errorf("%w: frame %d..%d before a snapshot", ErrProtocol, from, to)
	}
	if from != r.Seq+1 {
		return fmt.Errorf("%w: frame %d..%d after %d", ErrDiscontinuity, from, to, r.Seq)
	}
	if to < from {
		return fmt.Errorf("%w: frame %d..%d ends before it starts", ErrProtocol, from, to)
	}
	return nil
}

// endFrame moves the replica to the frame's end, to, and verifies the
// frame's checksum (a frame always carries one).
func (r *Replica) endFrame(to, deltas uint64, sum string) error {
	r.Seq = to
	r.Deltas += deltas
	r.Frames++
	if sum == "" {
		r.Synced = false
		return fmt.Errorf("%w: frame ending at %d has no checksum", ErrProtocol, to)
	}
	return r.verify(sum, to)
}

func (r *Replica) del(key []byte) {
	if old, ok := r.Rows[string(key)]; ok {
		r.Sum -= serve.RowHash(key, old)
		delete(r.Rows, string(key))
	}
}

// put sets key's row, reusing the memory of the row it replaces when it
// fits (a row's text is the replica's own, never shared).
func (r *Replica) put(key, row []byte) {
	old, ok := r.Rows[string(key)]
	if ok {
		r.Sum -= serve.RowHash(key, old)
	}
	if ok && cap(old) >= len(row) {
		old = append(old[:0], row...)
	} else {
		old = append([]byte(nil), row...)
	}
	r.Rows[string(key)] = old
	r.Sum += serve.RowHash(key, old)
}

func (r *Replica) verify(text string, seq uint64) error {
	want, err := serve.ParseChecksum(text)
	if err != nil {
		return fmt.Errorf("%w: bad checksum %q at seq %d", ErrProtocol, text, seq)
	}
	if want != r.Sum {
		r.Synced = false
		return fmt.Errorf("%w at seq %d: server %s, replica %s", ErrChecksum, seq, text, serve.FormatChecksum(r.Sum))
	}
	r.Verified++
	return nil
}
