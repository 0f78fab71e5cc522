package connect

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/greenwave/greenwave/internal/component"
)

// What the built-in connectors keep in a checkpoint (component.Checkpointer):
//
//   - generate and nexmark: the index of the next event. Events of the
//     sequence profile and of Nexmark depend only on their index, so a
//     restore starts there; the video_sessions simulator has state, so a
//     restore replays it from the start to that index without emitting.
//     A paced generator sets its schedule afresh from the restore.
//   - file source: the byte offset and line number of the line after the
//     last one whose event went out (its decoders and a paced event held
//     back may have read further).
//   - file sink: how many bytes of the file are committed. Its Snapshot
//     writes what it buffers and syncs the file, so those bytes are on disk
//     before the checkpoint that counts them is; a restore truncates the
//     file to them, dropping what was written after that checkpoint and will
//     be written again. The file therefore ends exactly once.
//   - jetstream source: the stream sequence of the last message wholly
//     read, and of a message partly read with how many of its lines are.
//   - jetstream sink: its lineage (a random id kept across restores), the
//     index of its next event, and the highest stream sequence of its
//     acknowledged messages, from where a restore reads what was published
//     after the checkpoint (sink_jetstream_resume.go).
//
// Every encoding starts with a four-byte tag and a version, so a blob of
// another component or version is refused rather than misread.

const connectCheckpointVersion = 1

var errCheckpointBlob = errors.New("not a checkpoint of this component")

func appendTag(b []byte, tag string) []byte {
	return append(append(b, tag...), connectCheckpointVersion)
}

// readTagged checks src's tag and version and returns the rest.
func readTagged(src []byte, tag string) ([]byte, error) {
	if len(src) < len(tag)+1 || string(src[:len(tag)]) != tag {
		return nil, errCheckpointBlob
	}
	if v := src[len(tag)]; v != connectCheckpointVersion {
		return nil, fmt.Errorf("checkpoint version %d, this greenwave reads %d", v, connectCheckpointVersion)
	}
	return src[len(tag)+1:], nil
}

// readVarints reads n varints that must fill rest exactly.
func readVarints(rest []byte, n int) ([]int64, error) {
	out := make([]int64, n)
	for i := range out {
		v, k := binary.Varint(rest)
		if k <= 0 {
			return nil, errors.New("checkpoint truncated")
		}
		out[i], rest = v, rest[k:]
	}
	if len(rest) != 0 {
		return nil, errors.New("checkpoint has trailing bytes")
	}
	return out, nil
}

// Snapshot records the next event's index.
func (g *generator) Snapshot(dst []byte) ([]byte, error) {
	return binary.AppendVarint(appendTag(dst, "GGEN"), g.next), nil
}

// Restore continues from the recorded index (see the file comment).
func (g *generator) Restore(src []byte) error {
	rest, err := readTagged(src, "GGEN")
	if err != nil {
		return err
	}
	v, err := readVarints(rest, 1)
	if err != nil {
		return err
	}
	next := v[0]
	if next < 0 || (g.count > 0 && next > g.count) {
		return fmt.Errorf("checkpoint index %d out of range", next)
	}
	if vp, ok := g.prof.(*videoProfile); ok {
		// The simulator's state is a function of what it emitted: emit the
		// same events again, into a scratch buffer.
		var scratch component.Output
		for done := int64(0); done < next; {
			n := min(next-done, 4096)
			scratch.Reset()
			g.b.first = done*max(g.b.stride, 1) + g.inst
			vp.fill(&scratch, int(n), &g.b)
			done += n
		}
	}
	g.next = next
	g.started = false
	return nil
}

// Snapshot records the offset and number of the line after the last one
// whose event went out: not where the reader (or, with parallelism, the
// reader ahead of the decoders) is, nor a paced event still held back.
func (s *fileSource) Snapshot(dst []byte) ([]byte, error) {
	off, line := s.done, s.doneLine
	if s.lines == nil {
		off, line = s.resumeAt, s.line
	}
	b := binary.AppendVarint(appendTag(dst, "GFSR"), off)
	return binary.AppendVarint(b, line), nil
}

// Restore makes Open start at the recorded line.
func (s *fileSource) Restore(src []byte) error {
	rest, err := readTagged(src, "GFSR")
	if err != nil {
		return err
	}
	v, err := readVarints(rest, 2)
	if err != nil {
		return err
	}
	if v[0] < 0 || v[1] < 0 {
		return errors.New("checkpoint offset negative")
	}
	s.resumeAt, s.line = v[0], v[1]
	return nil
}

// Snapshot writes what the sink buffers, syncs the file, and records its
// length. It runs on the sink's own goroutine (the sink blocks on I/O).
func (s *fileSink) Snapshot(dst []byte) ([]byte, error) {
	if err := s.write(); err != nil {
		return nil, err
	}
	if err := s.f.Sync(); err != nil {
		return nil, fmt.Errorf("cannot sync %q: %w", s.file, err)
	}
	return binary.AppendVarint(appendTag(dst, "GFSK"), s.written), nil
}

// Restore makes Open keep the file's first committed bytes and drop the
// rest.
func (s *fileSink) Restore(src []byte) error {
	rest, err := readTagged(src, "GFSK")
	if err != nil {
		return err
	}
	v, err := readVarints(rest, 1)
	if err != nil {
		return err
	}
	if v[0] < 0 {
		return errors.New("checkpoint length negative")
	}
	s.resume, s.resumeAt = true, v[0]
	return nil
}

// Snapshot records the position: the last message wholly read, and the
// message partly read with its lines read.
func (s *jsSource) Snapshot(dst []byte) ([]byte, error) {
	partSeq, partLines := uint64(0), int64(0)
	if s.cur != nil && s.curLine > 0 {
		partSeq, partLines = s.curSeq, s.curLine
	}
	b := binary.AppendVarint(appendTag(dst, "GJSR"), int64(s.done))
	b = binary.AppendVarint(b, int64(partSeq))
	return binary.AppendVarint(b, partLines), nil
}

// Restore makes Open create the consumer at the recorded position.
func (s *jsSource) Restore(src []byte) error {
	rest, err := readTagged(src, "GJSR")
	if err != nil {
		return err
	}
	v, err := readVarints(rest, 3)
	if err != nil {
		return err
	}
	if v[0] < 0 || v[1] < 0 || v[2] < 0 || (v[2] > 0 && v[1] <= v[0]) {
		return fmt.Errorf("checkpoint position %v out of range", v)
	}
	s.done, s.partSeq, s.partLines = uint64(v[0]), uint64(v[1]), v[2]
	return nil
}

// Snapshot records the sink's lineage, the next index of each partition
// and the highest stream sequence acknowledged. The engine takes it once
// every event before the barrier is acknowledged, so no message is being
// filled.
func (s *jsSink) Snapshot(dst []byte) ([]byte, error) {
	for p := range s.parts {
		if s.parts[p].n > 0 {
			return nil, fmt.Errorf("BUG: jetstream sink snapshot with %d events of partition %d unsent", s.parts[p].n, p)
		}
	}
	floor := s.seqFloor
	if s.pub != nil {
		floor = s.pub.maxSeq.Load()
	}
	b := binary.AppendUvarint(appendTag(dst, "GJSK"), s.lineage)
	b = binary.AppendUvarint(b, floor)
	b = binary.AppendUvarint(b, uint64(len(s.next)))
	for _, n := range s.next {
		b = binary.AppendVarint(b, n)
	}
	return b, nil
}

// Restore makes Open read back what the lineage published after the
// checkpoint and continue its indexes.
func (s *jsSink) Restore(src []byte) error {
	rest, err := readTagged(src, "GJSK")
	if err != nil {
		return err
	}
	var u [3]uint64
	for i := range u {
		v, k := binary.Uvarint(rest)
		if k <= 0 {
			return errors.New("checkpoint truncated")
		}
		u[i], rest = v, rest[k:]
	}
	if u[2] < 1 || u[2] > 1<<16 {
		return fmt.Errorf("checkpoint has %d partitions", u[2])
	}
	next, err := readVarints(rest, int(u[2]))
	if err != nil {
		return err
	}
	for _, n := range next {
		if n < 0 {
			return errors.New("checkpoint index negative")
		}
	}
	s.lineage, s.seqFloor, s.next, s.resumed = u[0], u[1], next, true
	return nil
}
