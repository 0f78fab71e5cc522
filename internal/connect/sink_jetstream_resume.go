package connect

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// After a restore, the jetstream sink replays the output that followed its
// checkpoint. Some of it was published before the crash, maybe cut into
// other messages (a message goes out when it is full or has lingered,
// which depends on timing), so message ids alone cannot recognise it.
// Open therefore reads the stream from the checkpoint's sequence floor to
// its end, keeps the hash of every line its lineage published there, by
// partition and event index, and Process leaves out an event whose line
// was published at its index. A line that differs from what was published
// at its index (the pipeline is not deterministic: output that depends on
// the wall clock or on how inputs interleave) is published, and from then
// on the partition's output after the checkpoint is published in full: at
// least once, never lost.

// published is what a lineage published after a checkpoint.
type published struct {
	lines []map[int64][]uint64 // by partition: index -> hashes seen there
	end   []int64              // by partition: one past the highest index
	warn  bool
}

// readPublished reads the stream from floor+1 to last and collects the
// lines of lineage's messages.
func readPublished(ctx context.Context, js jetstream.JetStream, ref streamRef, lineage uint64, floor, last uint64) (*published, error) {
	oc, err := js.OrderedConsumer(ctx, ref.name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{ref.subject + ".>"},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    floor + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read back stream %q after sequence %d: %w", ref.name, floor, err)
	}
	pub := &published{}
	prefix := strconv.FormatUint(lineage, 16) + ":"
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("reading back stream %q: %w", ref.name, err)
		}
		batch, err := oc.Fetch(256, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return nil, fmt.Errorf("cannot read back stream %q after sequence %d: %w", ref.name, floor, err)
		}
		reached := uint64(0)
		for m := range batch.Messages() {
			if md, err := m.Metadata(); err == nil {
				reached = max(reached, md.Sequence.Stream)
			}
			id := m.Headers().Get(jetstream.MsgIDHeader)
			if !strings.HasPrefix(id, prefix) {
				continue
			}
			p, first, ok := parseMsgID(id[len(prefix):])
			if !ok {
				continue
			}
			pub.add(p, first, m.Data())
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("cannot read back stream %q after sequence %d: %w", ref.name, floor, err)
		}
		if reached >= last {
			return pub, nil
		}
	}
}

// parseMsgID reads "partition:first:n:hash".
func parseMsgID(s string) (p int, first int64, ok bool) {
	f := strings.Split(s, ":")
	if len(f) != 4 {
		return 0, 0, false
	}
	pp, err1 := strconv.Atoi(f[0])
	ff, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || pp < 0 || pp > 1<<16 || ff < 0 {
		return 0, 0, false
	}
	return pp, ff, true
}

func (pub *published) add(p int, first int64, body []byte) {
	for len(pub.lines) <= p {
		pub.lines = append(pub.lines, nil)
		pub.end = append(pub.end, 0)
	}
	if pub.lines[p] == nil {
		pub.lines[p] = map[int64][]uint64{}
	}
	idx := first
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		pub.lines[p][idx] = append(pub.lines[p][idx], lineHash(line))
		idx++
	}
	pub.end[p] = max(pub.end[p], idx)
}

// covers reports whether index idx of partition p may have been published.
func (pub *published) covers(p int, idx int64) bool { return p < len(pub.end) && idx < pub.end[p] }

// has reports whether the line of hash h was published at idx.
func (pub *published) has(p int, idx int64, h uint64) bool {
	for _, x := range pub.lines[p][idx] {
		if x == h {
			return true
		}
	}
	return false
}

// diverged gives up on recognising partition p's output: from idx on it is
// published in full.
func (pub *published) diverged(p int, idx int64, s *jsSink) {
	if !pub.warn {
		pub.warn = true
		s.nats.logf("%s: output after the checkpoint differs from what was published before the restart (partition %d, event %d): publishing it again, at least once", strings.TrimPrefix(s.connName, "greenwave "), p, idx)
	}
	pub.end[p] = 0
	pub.lines[p] = nil
}

// passed reports whether every partition's next index is past what was
// published, so nothing more needs checking.
func (pub *published) passed(next []int64) bool {
	for p, end := range pub.end {
		if p < len(next) && next[p] < end {
			return false
		}
	}
	return true
}
