package serve

import (
	"strconv"
	"time"
)

// Kind is the type of a protocol message, the value of its "type" field.
type Kind uint8

// The message kinds of the protocol (docs/serve-protocol.md).
const (
	KindDelta Kind = iota
	KindSnapshot
	KindSnapshotEnd
	KindProgress
	KindGap
	KindError
	KindFrame
)

var kindNames = [...]string{"delta", "snapshot", "snapshot_end", "progress", "gap", "error", "frame"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Msg is one encoded protocol message: a JSON object, without a trailing
// newline. A Msg is immutable once built and shared by every subscriber it
// goes to; transports add their framing (a WebSocket message, an SSE event,
// a line).
type Msg struct {
	Kind Kind
	// Seq is the sequence number the message carries: a delta's own, a
	// snapshot's, the head a progress message reports, the last missed
	// sequence of a gap, the last sequence a frame covers.
	Seq  uint64
	Data []byte

	// Set on deltas only, for the frames built from them: Sum is the
	// table's checksum after the change, keyID the key's dense id in the
	// table (conflation finds a key's later change by it: within the
	// window an id stands for one key), sumAt the offset in Data of the
	// checksum the delta carries (0: none).
	Sum    uint64
	keyID  uint32
	sumAt  int32
	keyLen int32
	// del marks a delta that deletes its key.
	del bool
	// From is, on a frame, the first sequence number it covers.
	From uint64
}

// key returns a delta's key text.
func (m *Msg) key() []byte {
	at := len(deltaPrefix) + digits(m.Seq) + len(deltaUpsert)
	return m.Data[at : at+int(m.keyLen)]
}

// Deltas is how many sequence numbers the message brings a subscriber
// forward: 1 for a delta, the range for a frame, 0 otherwise.
func (m *Msg) Deltas() uint64 {
	switch m.Kind {
	case KindDelta:
		return 1
	case KindFrame:
		return m.Seq - m.From + 1
	}
	return 0
}

// Size is the bytes the message counts against a subscriber's queue.
func (m *Msg) Size() int64 { return int64(len(m.Data)) }

// The pieces of a delta message, in order: the seq, the op, the key, the
// row. Deltas are built by hand because they are built once per change on
// the sink's hot path.
const (
	deltaPrefix    = `{"type":"delta","seq":`
	deltaUpsert    = `,"op":"upsert","key":`
	deltaDelete    = `,"op":"delete","key":`
	deltaRow       = `,"row":`
	deltaChecksum  = `,"checksum":"`
	checksumDigits = 16
)

// deltaSize is the length of a delta message for a key and row of these
// lengths (rowLen < 0: a delete), without a checksum.
func deltaSize(seq uint64, keyLen, rowLen int) int {
	n := len(deltaPrefix) + digits(seq) + len(deltaUpsert) + keyLen + 1
	if rowLen >= 0 {
		n += len(deltaRow) + rowLen
	}
	return n
}

func digits(u uint64) int {
	n := 1
	for u >= 10 {
		u /= 10
		n++
	}
	return n
}

// appendDelta appends the delta message for seq. row nil makes a delete.
// With sum set (withSum), the message carries the table's checksum after
// the change. It returns the extended buffer and the offsets of the key
// and row texts within it.
func appendDelta(dst []byte, seq uint64, key, row []byte, withSum bool, sum uint64) (out []byte, keyAt, rowAt int, sumAt int32) {
	dst = append(dst, deltaPrefix...)
	dst = strconv.AppendUint(dst, seq, 10)
	if row == nil {
		dst = append(dst, deltaDelete...)
	} else {
		dst = append(dst, deltaUpsert...)
	}
	keyAt = len(dst)
	dst = append(dst, key...)
	rowAt = -1
	if row != nil {
		dst = append(dst, deltaRow...)
		rowAt = len(dst)
		dst = append(dst, row...)
	}
	if withSum {
		sumAt = int32(len(dst))
		dst = append(dst, deltaChecksum...)
		dst = appendChecksum(dst, sum)
		dst = append(dst, '"')
	}
	return append(dst, '}'), keyAt, rowAt, sumAt
}

// progressMsg builds {"type":"progress","seq":N,"watermark":W}: the table
// has sent every delta up to N. W is the latest event time the table
// received (RFC 3339), or null.
func progressMsg(seq uint64, watermark int64) *Msg {
	b := make([]byte, 0, 96)
	b = append(b, `{"type":"progress","seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"watermark":`...)
	b = appendTime(b, watermark)
	return &Msg{Kind: KindProgress, Seq: seq, Data: append(b, '}')}
}

// gapMsg builds {"type":"gap","from":A,"to":B}: the deltas A..B were not
// and will not be sent; a snapshot as of B follows.
func gapMsg(from, to uint64) *Msg {
	b := make([]byte, 0, 64)
	b = append(b, `{"type":"gap","from":`...)
	b = strconv.AppendUint(b, from, 10)
	b = append(b, `,"to":`...)
	b = strconv.AppendUint(b, to, 10)
	return &Msg{Kind: KindGap, Seq: to, Data: append(b, '}')}
}

// errorMsg builds {"type":"error","error":"..."}, sent before a server
// closes a subscription it refuses (the TCP protocol has no status codes).
func errorMsg(text string) *Msg {
	b := append([]byte(`{"type":"error","error":`), strconv.Quote(text)...)
	return &Msg{Kind: KindError, Data: append(b, '}')}
}

func appendTime(b []byte, unixNanos int64) []byte {
	if unixNanos == 0 {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = time.Unix(0, unixNanos).UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
