package ops

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/agg"
	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// Every keyed operator implements component.Checkpointer. Its state is one
// self-describing blob:
//
//	"GWS" version(1) description(uvarint length, text) body crc32c(4)
//
// The description names what makes the state fit an operator: its type and
// mode, its key fields and their kinds, its aggregate layout's fingerprint,
// its window geometry or join bounds (windowDesc, joinDesc, and the New of
// count, aggregate and over build it). Restore
// compares it with its own and refuses a blob of another configuration,
// naming both, so a changed pipeline starts such an operator empty instead of
// reading garbage; what it leaves out (output names, state limits, emit
// periods, allowed lateness of windows) may change between runs. The body is
// the operator's own (see its appendState); values use agg's value
// encoding, aggregate sets their state encoding (agg.Set.AppendState).
//
// Snapshot reads the state and changes nothing, so it may run between any
// two batches; nothing on the per-event path does any work for it. Restore
// decodes and checks the whole blob before it installs anything: on an error
// the instance keeps the empty state New gave it.
const (
	stateMagic   = "GWS"
	stateVersion = 1
)

// ErrStateMismatch is wrapped by the error of a Restore given the state of an
// operator of another configuration (another type, key, aggregate layout,
// window geometry or join mode and bounds).
var ErrStateMismatch = errors.New("the state belongs to another configuration")

// ErrStateCorrupt is wrapped by the error of a Restore given bytes that are
// not an operator's state: truncated, altered, or of another version.
var ErrStateCorrupt = errors.New("the state is corrupt")

var stateCRC = crc32.MakeTable(crc32.Castagnoli)

// The keyed operators, in every mode, are checkpointed.
var (
	_ component.Checkpointer = (*counter)(nil)
	_ component.Checkpointer = (*aggregator)(nil)
	_ component.Checkpointer = (*intervalEmitter)(nil)
	_ component.Checkpointer = (*over)(nil)
	_ component.Checkpointer = (*window)(nil)
	_ component.Checkpointer = (*procWindow)(nil)
	_ component.Checkpointer = (*windowJoin)(nil)
	_ component.Checkpointer = (*intervalJoin)(nil)
	_ component.Checkpointer = (*tableJoin)(nil)
)

// beginState appends the header of a blob of description desc to dst and
// returns the result and where the blob starts.
func beginState(dst []byte, desc string) ([]byte, int) {
	start := len(dst)
	b := append(dst, stateMagic...)
	b = append(b, stateVersion)
	b = binary.AppendUvarint(b, uint64(len(desc)))
	return append(b, desc...), start
}

// endState appends the checksum of the blob that starts at start.
func endState(b []byte, start int) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], stateCRC))
}

// openState checks src's header, checksum and description against desc and
// returns a decoder of its body.
func openState(src []byte, desc string) (*stateDecoder, error) {
	if len(src) < len(stateMagic)+1+1+4 || string(src[:len(stateMagic)]) != stateMagic {
		return nil, fmt.Errorf("%w: not an operator state (%d bytes)", ErrStateCorrupt, len(src))
	}
	if v := src[len(stateMagic)]; v != stateVersion {
		return nil, fmt.Errorf("%w: state encoding version %d, want %d", ErrStateCorrupt, v, stateVersion)
	}
	body, sum := src[:len(src)-4], binary.LittleEndian.Uint32(src[len(src)-4:])
	if crc32.Checksum(body, stateCRC) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrStateCorrupt)
	}
	d := &stateDecoder{b: body[len(stateMagic)+1:]}
	n := d.count(1)
	if d.err != nil {
		return nil, d.err
	}
	if got := string(d.b[:n]); got != desc {
		return nil, fmt.Errorf("%w: it was written by %q, this operator is %q", ErrStateMismatch, got, desc)
	}
	d.b = d.b[n:]
	return d, nil
}

// checkpointed is what each keyed operator provides for its Snapshot and
// Restore: its description, its body's encoding, and its decoding.
type checkpointed interface {
	stateDesc() string
	appendState(b []byte) ([]byte, error)
	// decodeState reads a body appendState wrote, checking it as it goes
	// (problems go to d), into new structures, and returns the function
	// that installs them in the operator. It changes nothing itself, so
	// when d holds an error the operator is still as New made it.
	decodeState(d *stateDecoder) (install func())
}

// snapshot appends the blob of c's state to dst (component.Checkpointer).
func snapshot(c checkpointed, dst []byte) ([]byte, error) {
	b, start := beginState(dst, c.stateDesc())
	b, err := c.appendState(b)
	if err != nil {
		return dst, fmt.Errorf("cannot encode the state: %w", err)
	}
	return endState(b, start), nil
}

// restore replaces c's state with the one in src, or leaves it as it is
// and returns an error (component.Checkpointer).
func restore(c checkpointed, src []byte) error {
	d, err := openState(src, c.stateDesc())
	if err != nil {
		return err
	}
	install := c.decodeState(d)
	if err := d.end(); err != nil {
		return err
	}
	install()
	return nil
}

// describer builds an operator's description: its type, then key=value
// parts, in a fixed order.
type describer struct{ strings.Builder }

func describe(typ string) *describer {
	d := &describer{}
	d.WriteString(typ)
	return d
}

// add appends one part.
func (d *describer) add(name, value string) *describer {
	d.WriteByte(' ')
	d.WriteString(name)
	d.WriteByte('=')
	d.WriteString(value)
	return d
}

// duration appends a duration part (nanoseconds).
func (d *describer) duration(name string, ns int64) *describer {
	return d.add(name, time.Duration(ns).String())
}

// fields appends a list of fields of s at slots, with their kinds:
// [host:string status:int].
func (d *describer) fields(name string, s *event.Schema, slots []int) *describer {
	parts := make([]string, len(slots))
	for i, slot := range slots {
		f := s.Fields[slot]
		parts[i] = f.Name + ":" + f.Kind.String()
	}
	return d.add(name, "["+strings.Join(parts, " ")+"]")
}

// schema appends every field of s with its kind, in slot order.
func (d *describer) schema(name string, s *event.Schema) *describer {
	slots := make([]int, len(s.Fields))
	for i := range slots {
		slots[i] = i
	}
	return d.fields(name, s, slots)
}

// key appends the key fields of a keyed operator over input s, or
// "(partition)" when it groups by the partition key an upstream key_by set.
func (d *describer) key(s *event.Schema, slots []int) *describer {
	if len(slots) == 0 {
		return d.add("key", "(partition)")
	}
	return d.fields("key", s, slots)
}

// layout appends the fingerprint of an aggregate layout.
func (d *describer) layout(l *agg.Layout) *describer {
	return d.add("aggregates", fmt.Sprintf("%016x", l.Fingerprint()))
}
