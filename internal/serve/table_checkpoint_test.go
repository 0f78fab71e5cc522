package serve_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

// applyAt applies changes at processing time now: kv pairs upsert key k
// with value v; a value < 0 deletes the key.
func applyAt(t *testing.T, tb *serve.Table, now time.Time, kv ...int) {
	t.Helper()
	var ch []serve.Change
	for i := 0; i+1 < len(kv); i += 2 {
		c := serve.Change{Key: []byte(fmt.Sprintf("[%d]", kv[i]))}
		if kv[i+1] >= 0 {
			c.Row = []byte(fmt.Sprintf(`{"k":%d,"v":%d}`, kv[i], kv[i+1]))
		}
		ch = append(ch, c)
	}
	if err := tb.Apply(ch, now.UnixNano(), now); err != nil {
		t.Fatal(err)
	}
}

// tableRows is a table's rows as sorted "key row" lines.
func tableRows(tb *serve.Table) []string {
	doc := string(tb.Snapshot().AppendJSON(nil))
	_, rows, _ := strings.Cut(doc, `"rows":[`)
	lines := strings.Split(strings.TrimSuffix(rows, "]}"), `},{`)
	slices.Sort(lines)
	return lines
}

// sameTable fails unless a and b hold the same rows, sequence number,
// checksum and eviction and expiry counts.
func sameTable(t *testing.T, what string, a, b *serve.Table) {
	t.Helper()
	sa, sb := a.Snapshot(), b.Snapshot()
	if sa.Seq != sb.Seq || sa.Checksum != sb.Checksum {
		t.Fatalf("%s: seq %d checksum %s, restored %d %s", what, sa.Seq, serve.FormatChecksum(sa.Checksum), sb.Seq, serve.FormatChecksum(sb.Checksum))
	}
	if ra, rb := tableRows(a), tableRows(b); !slices.Equal(ra, rb) {
		t.Fatalf("%s: rows\n%q\nrestored\n%q", what, ra, rb)
	}
	if x, y := a.StateStats(), b.StateStats(); x.Keys != y.Keys || x.Evicted != y.Evicted || x.Expired != y.Expired {
		t.Fatalf("%s: keys/evicted/expired %d/%d/%d, restored %d/%d/%d", what, x.Keys, x.Evicted, x.Expired, y.Keys, y.Evicted, y.Expired)
	}
}

// A table restored from its state holds the same rows, sequence number,
// checksum, recency and update times: the state it writes is the same
// bytes, and the same later changes (new keys that evict the least
// recently updated rows, ttl expiry by the saved update times, deletes)
// do the same to both, with the same sequence numbers and checksums.
func TestStateRoundTrip(t *testing.T) {
	cfg := testConfig("rt")
	cfg.TTL = 10 * time.Second
	cfg.Evict = true
	cfg.MaxRows = 5
	t0 := time.Unix(1_000_000, 0)
	at := func(d float64) time.Time { return t0.Add(time.Duration(d * float64(time.Second))) }
	a, err := serve.NewTable(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(time.Second)
	applyAt(t, a, at(0), 1, 10, 2, 20, 3, 30, 4, 40)
	applyAt(t, a, at(1), 5, 50, 2, 21) // 2 replaced
	applyAt(t, a, at(2), 1, 10)        // identical: 1 is now the most recent
	applyAt(t, a, at(3), 4, -1)        // delete
	applyAt(t, a, at(4), 6, 60, 7, 70) // 7 evicts 3, the least recently updated
	if st := a.StateStats(); st.Evicted != 1 || st.Keys != 5 {
		t.Fatalf("before the snapshot: %d rows, %d evicted, want 5 and 1", st.Keys, st.Evicted)
	}
	state := a.AppendState([]byte("prefix"))
	if !bytes.HasPrefix(state, []byte("prefix")) {
		t.Fatal("AppendState did not append to dst")
	}
	state = state[len("prefix"):]

	b, err := serve.NewTable(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(time.Second)
	if err := b.RestoreState(state); err != nil {
		t.Fatal(err)
	}
	sameTable(t, "restored", a, b)
	if b.Seq() != 10 || b.Session() == a.Session() {
		t.Fatalf("restored at seq %d with session %s (the old one %s), want 10 and a new session", b.Seq(), b.Session(), a.Session())
	}
	if again := b.AppendState(nil); !bytes.Equal(again, state) {
		t.Fatalf("the restored table's state differs from the one it was restored from:\n%x\n%x", again, state)
	}
	if st := b.Stats(); st.Retained != 0 {
		t.Fatalf("the restored window holds %d deltas, want none", st.Retained)
	}

	for _, step := range []struct {
		what string
		now  float64
		kv   []int
	}{
		{"a new key evicts the least recently updated (5)", 5, []int{8, 80}},
		{"ttl expires 2 (updated at 1s) and not 1 (touched at 2s)", 11.5, nil},
		{"ttl expires 1", 12.5, nil},
		{"a delete and a replacement", 13, []int{6, -1, 7, 71}},
		{"ttl expires the rest", 30, nil},
	} {
		for _, tb := range []*serve.Table{a, b} {
			if step.kv != nil {
				applyAt(t, tb, at(step.now), step.kv...)
			} else {
				tb.Expire(at(step.now))
			}
		}
		sameTable(t, step.what, a, b)
	}
	if st := b.StateStats(); st.Expired != 4 || st.Evicted != 2 || st.Keys != 0 {
		t.Fatalf("after expiry: %d rows, %d evicted, %d expired; want 0, 2, 4", st.Keys, st.Evicted, st.Expired)
	}
	// The restored table's new deltas are S+1 on, in its window.
	if st := b.Stats(); b.Seq() != 18 || st.Retained != 8 {
		t.Fatalf("restored table at seq %d with %d retained, want 18 and 8", b.Seq(), st.Retained)
	}
}

// An empty table, and a table without recency (no ttl, no evict_oldest),
// round-trip too.
func TestStateRoundTripPlain(t *testing.T) {
	for _, n := range []int{0, 1, 2500} {
		a, err := serve.NewTable(testConfig("plain"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			applyAt(t, a, time.Now(), i, i, i/2, -1)
		}
		b, err := serve.NewTable(testConfig("plain"))
		if err != nil {
			t.Fatal(err)
		}
		state := a.AppendState(nil)
		if err := b.RestoreState(state); err != nil {
			t.Fatal(err)
		}
		sameTable(t, fmt.Sprintf("%d changes", n), a, b)
		if !bytes.Equal(b.AppendState(nil), state) {
			t.Fatalf("%d changes: the restored state differs", n)
		}
		a.Close(time.Second)
		b.Close(time.Second)
	}
}

// State of another version, damaged, truncated or inconsistent is refused
// with an error saying what; the table stays empty at sequence 0 and
// works. A table already in use is not restored into.
func TestStateRefused(t *testing.T) {
	a, err := serve.NewTable(testConfig("bad"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(time.Second)
	applyAt(t, a, time.Now(), 1, 10, 2, 20)
	good := a.AppendState(nil)
	flip := func(i int) []byte {
		b := slices.Clone(good)
		b[i] ^= 0x40
		return b
	}
	version := slices.Clone(good)
	version[0] = 2
	for _, c := range []struct {
		what  string
		state []byte
		want  string
	}{
		{"another version", version, "encoding version 2, want 1"},
		{"a damaged byte", flip(len(good) / 2), "crc mismatch"},
		{"truncated", good[:len(good)-7], "crc mismatch"},
		{"empty", nil, "0 bytes"},
	} {
		b, err := serve.NewTable(testConfig("bad"))
		if err != nil {
			t.Fatal(err)
		}
		err = b.RestoreState(c.state)
		if err == nil || !errors.Is(err, serve.ErrBadState) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.what, err, c.want)
		}
		if b.Seq() != 0 || b.Stats().Rows != 0 {
			t.Errorf("%s: the table is at seq %d with %d rows after a refused restore", c.what, b.Seq(), b.Stats().Rows)
		}
		applyAt(t, b, time.Now(), 3, 30)
		if b.Seq() != 1 {
			t.Errorf("%s: the table's first change is seq %d", c.what, b.Seq())
		}
		b.Close(time.Second)
	}
	if err := a.RestoreState(good); err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("restoring into a table in use: %v", err)
	}
}

// After a restore at S, over every transport: a resume with the old
// session gets a gap from 1 and a snapshot at S carrying the new session
// (its numbers after S may stand for other changes now); a resume ahead
// of the table gets the same, with or without a session; a resume from
// before S (older than the empty window) gets a gap and a snapshot; a
// resume at S in the new session, or without a session (as clients did
// before sessions), owes nothing; the next change is S+1.
func TestRestoredTableResume(t *testing.T) {
	a, err := serve.NewTable(testConfig("rs"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		put(t, a, i%5, i)
	}
	state := a.AppendState(nil)
	old := a.Session()
	a.Close(time.Second)

	b, err := serve.NewTable(testConfig("rs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.RestoreState(state); err != nil {
		t.Fatal(err)
	}
	if err := b.Serve("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer b.Stop(2 * time.Second)
	const S = 12
	for _, url := range []string{wsURL(b), sseURL(b), tcpURL(b)} {
		for _, c := range []struct {
			from    uint64
			session string
			gapFrom uint64 // 0: no gap, nothing owed
		}{
			{S, old, 1},
			{S - 4, old, 1},
			{S + 3, old, 1},
			{S + 3, "", 1},
			{S + 3, b.Session(), 1},
			{S - 4, "", S - 3},
			{S - 4, b.Session(), S - 3},
			{S, b.Session(), 0},
			{S, "", 0},
		} {
			what := fmt.Sprintf("%s from %d session %q", url, c.from, c.session)
			s, err := client.OpenSession(context.Background(), url, u64(c.from), c.session)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if c.gapFrom == 0 {
				if m := collect(t, s, 1)[0]; m.Type != "progress" || m.Seq != S {
					t.Fatalf("%s: got %s %d, want progress %d", what, m.Type, m.Seq, S)
				}
				s.Close()
				continue
			}
			ms := collect(t, s, 3)
			if ms[0].Type != "gap" || ms[0].From != c.gapFrom || ms[0].To != S || ms[1].Type != "snapshot" || ms[1].Seq != S ||
				ms[2].Type != "snapshot_end" || ms[2].Seq != S || ms[2].Session != b.Session() ||
				ms[2].Checksum != serve.FormatChecksum(b.Snapshot().Checksum) || len(ms[1].Rows) != 5 {
				t.Fatalf("%s: got %+v, %+v, %+v; want a gap %d..%d and the snapshot at %d of session %s", what, ms[0], ms[1], ms[2], c.gapFrom, S, S, b.Session())
			}
			s.Close()
		}
	}
	// The listing and the snapshot document name the session.
	for _, path := range []string{"/tables", "/tables/rs", "/tables/rs/snapshot"} {
		resp, err := http.Get("http://" + b.HTTPAddr() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), `"session":"`+b.Session()+`"`) {
			t.Errorf("GET %s: %s, want the session %s", path, body, b.Session())
		}
	}
	// An EventSource reconnects with Last-Event-ID <seq>/<session>.
	for id, want := range map[string]string{
		fmt.Sprint(S, "/", old):         `data: {"type":"gap","from":1,"to":12}`,
		fmt.Sprint(S, "/", b.Session()): `data: {"type":"progress","seq":12,`,
		fmt.Sprint(S):                   `data: {"type":"progress","seq":12,`,
	} {
		req, _ := http.NewRequest(http.MethodGet, sseURL(b)+"/stream", nil)
		req.Header.Set("Last-Event-ID", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rd := bufio.NewReader(resp.Body)
		var line string
		for !strings.HasPrefix(line, "data: ") && err == nil {
			line, err = rd.ReadString('\n')
		}
		resp.Body.Close()
		if !strings.HasPrefix(line, want) {
			t.Errorf("Last-Event-ID %s: first message %q (%v), want %s", id, line, err, want)
		}
	}
	// A follower that resumes within the new session gets S+1 on.
	s, err := client.OpenSession(context.Background(), wsURL(b), u64(S), b.Session())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put(t, b, 7, 7)
	if m := nextOf(t, s, "frame"); m.From != S+1 || m.Seq != S+1 {
		t.Fatalf("after the restore: frame %d..%d, want %d..%d", m.From, m.Seq, S+1, S+1)
	}
}

// AppendState into a buffer large enough allocates nothing, however many
// rows the table holds.
func TestAppendStateDoesNotAllocate(t *testing.T) {
	cfg := testConfig("alloc")
	cfg.TTL = time.Hour
	tb, err := serve.NewTable(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close(time.Second)
	for i := range 1000 {
		applyAt(t, tb, time.Now(), i, i)
	}
	buf := tb.AppendState(nil)
	if n := testing.AllocsPerRun(20, func() { buf = tb.AppendState(buf[:0]) }); n != 0 {
		t.Fatalf("AppendState of 1000 rows: %v allocations, want 0", n)
	}
}
