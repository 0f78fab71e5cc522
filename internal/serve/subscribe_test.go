package serve_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

// ?from inside the window resumes with the next delta and no snapshot
// (with frames: one frame from there to the head, conflated by key);
// from older than the window gets a gap message and a snapshot (with
// frames: one frame from the table's rows, unless a delete has left the
// window since: TestResumeAfterALostDelete).
func TestResumeFrom(t *testing.T) {
	for _, frames := range []bool{true, false} {
		t.Run(fmt.Sprintf("frames=%v", frames), func(t *testing.T) {
			testResumeFrom(t, frames)
		})
	}
}

func testResumeFrom(t *testing.T, frames bool) {
	cfg := testConfig("r")
	cfg.Retain = 5
	cfg.Frames = frames
	tb := newTable(t, cfg)
	for i := range 20 {
		put(t, tb, i%4, i) // seq i+1 sets key i%4
	}
	for _, url := range []string{wsURL(tb), sseURL(tb), tcpURL(tb)} {
		s, err := client.Open(context.Background(), url, u64(17))
		if err != nil {
			t.Fatal(err)
		}
		if frames {
			m := collect(t, s, 1)[0]
			if m.Type != "frame" || m.From != 18 || m.Seq != 20 || len(m.Deltas) != 3 || m.Deltas[0].Seq != 18 || m.Deltas[2].Seq != 20 {
				t.Fatalf("%s from 17: got %+v, want a frame 18..20 of deltas 18, 19, 20", url, m)
			}
		} else {
			ms := collect(t, s, 3)
			if ms[0].Type != "delta" || ms[0].Seq != 18 || ms[2].Seq != 20 {
				t.Fatalf("%s from 17: got %s %d ... %d, want deltas 18..20", url, ms[0].Type, ms[0].Seq, ms[2].Seq)
			}
		}
		s.Close()

		if frames {
			// 16..20 changes key 3 twice (16 and 20): only 20 is sent.
			s, err := client.Open(context.Background(), url, u64(15))
			if err != nil {
				t.Fatal(err)
			}
			m := collect(t, s, 1)[0]
			var seqs []uint64
			for _, d := range m.Deltas {
				seqs = append(seqs, d.Seq)
			}
			if m.Type != "frame" || m.From != 16 || m.Seq != 20 || fmt.Sprint(seqs) != "[17 18 19 20]" ||
				string(m.Deltas[3].Key) != "[3]" || string(m.Deltas[3].Row) != `{"k":3,"v":19}` {
				t.Fatalf("%s from 15: got %+v (deltas %v), want a frame 16..20 of deltas 17..20", url, m, seqs)
			}
			s.Close()
		}

		s, err = client.Open(context.Background(), url, u64(3))
		if err != nil {
			t.Fatal(err)
		}
		if frames {
			// Older than the window, no delete since: one frame from the
			// rows, the last change of each key.
			m := collect(t, s, 1)[0]
			var seqs []uint64
			for _, d := range m.Deltas {
				seqs = append(seqs, d.Seq)
			}
			if m.Type != "frame" || m.From != 4 || m.Seq != 20 || fmt.Sprint(seqs) != "[17 18 19 20]" {
				t.Fatalf("%s from 3: got %+v (deltas %v), want a frame 4..20 of deltas 17..20", url, m, seqs)
			}
		} else {
			ms := collect(t, s, 3)
			if ms[0].Type != "gap" || ms[0].From != 4 || ms[0].To != 20 || ms[1].Type != "snapshot" || ms[2].Type != "snapshot_end" {
				t.Fatalf("%s from 3: got %+v, want a gap 4..20 and a snapshot", url, ms[0])
			}
		}
		s.Close()
	}
	// from = the head: nothing is owed; the next message is progress.
	s, err := client.Open(context.Background(), wsURL(tb), u64(20))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m := collect(t, s, 1)[0]; m.Type != "progress" || m.Seq != 20 {
		t.Fatalf("from the head: got %s %d, want progress 20", m.Type, m.Seq)
	}
	put(t, tb, 9, 9)
	kind := "delta"
	if frames {
		kind = "frame"
	}
	if m := nextOf(t, s, kind); m.Seq != 21 || frames && m.From != 21 {
		t.Fatalf("got %s %d, want 21", kind, m.Seq)
	}
}

// With frames, ?from older than the window is served from the table's
// rows only while no delete after it has left the window: the deleted
// key is in neither, so the subscriber gets a gap and a snapshot, and the
// copy it rebuilds lacks the key.
func TestResumeAfterALostDelete(t *testing.T) {
	cfg := testConfig("lost")
	cfg.Retain = 5
	tb := newTable(t, cfg)
	for i := range 20 {
		put(t, tb, i%4, i) // seq i+1 sets key i%4
	}
	del(t, tb, 0) // seq 21
	for i := range 10 {
		put(t, tb, 1+i%3, 100+i) // seq 22..31, keys 1..3: the delete leaves the window
	}
	for _, from := range []uint64{3, 20} {
		s, err := client.Open(context.Background(), wsURL(tb), u64(from))
		if err != nil {
			t.Fatal(err)
		}
		ms := collect(t, s, 3)
		if ms[0].Type != "gap" || ms[0].From != from+1 || ms[0].To != 31 || ms[1].Type != "snapshot" || ms[2].Type != "snapshot_end" {
			t.Fatalf("from %d: got %+v, want a gap %d..31 and a snapshot", from, ms[0], from+1)
		}
		r := client.NewReplica()
		for _, m := range ms {
			apply(t, r, m)
		}
		if _, ok := r.Rows["[0]"]; ok || len(r.Rows) != 3 || serve.FormatChecksum(r.Sum) != tb.Stats().Checksum {
			t.Fatalf("from %d: the copy has %d rows (%v), checksum %s; the table %s", from, len(r.Rows), r.Rows, serve.FormatChecksum(r.Sum), tb.Stats().Checksum)
		}
		s.Close()
	}
	// From after the delete (21 is gone, 22..26 too): the rows suffice.
	s, err := client.Open(context.Background(), wsURL(tb), u64(21))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m := collect(t, s, 1)[0]; m.Type != "frame" || m.From != 22 || m.Seq != 31 || len(m.Deltas) != 3 {
		t.Fatalf("from 21: got %+v, want a frame 22..31 of the last change of keys 1..3", m)
	}
	if st := tb.Stats(); st.CatchUps == 0 {
		t.Fatalf("no catch-up counted: %+v", st)
	}
}

// Bad subscription requests get clear errors: an unknown table (with the
// closest name), a from that is not a number, one subscriber too many.
func TestBadRequests(t *testing.T) {
	cfg := testConfig("per_customer")
	cfg.MaxSubscribers = 1
	tb := newTable(t, cfg)
	put(t, tb, 1, 1)
	base := "http://" + tb.HTTPAddr()
	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/tables/per_custmer/stream", 404, `unknown table "per_custmer" (did you mean "per_customer"?)`},
		{"/tables/nothing/snapshot", 404, `unknown table "nothing"; tables: per_customer`},
		{"/tables/per_customer/stream?from=abc", 400, `bad from "abc": want a sequence number`},
		{"/tables/per_customer/stream?from=-1", 400, `bad from "-1"`},
		{"/nowhere", 404, `no such path "/nowhere"`},
	} {
		resp, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(body.Error, c.want) {
			t.Errorf("GET %s: %d %q, want %d and %q", c.path, resp.StatusCode, body.Error, c.status, c.want)
		}
	}
	// The WebSocket refusal carries the same reason.
	_, err := client.Open(context.Background(), "ws://"+tb.HTTPAddr()+"/tables/per_custmer", nil)
	if err == nil || !strings.Contains(err.Error(), `404 Not Found: unknown table "per_custmer"`) {
		t.Errorf("websocket to an unknown table: %v", err)
	}
	// One subscriber is the most; the second is refused until it leaves.
	s, err := client.Open(context.Background(), wsURL(tb), nil)
	if err != nil {
		t.Fatal(err)
	}
	collect(t, s, 2)
	for _, url := range []string{wsURL(tb), sseURL(tb)} {
		if _, err := client.Open(context.Background(), url, nil); err == nil || !strings.Contains(err.Error(), "503") ||
			!strings.Contains(err.Error(), `too many subscribers (max_subscribers 1)`) {
			t.Errorf("%s beyond max_subscribers: %v", url, err)
		}
	}
	ts, err := client.Open(context.Background(), tcpURL(tb), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := collect(t, ts, 1)[0]; m.Type != "error" || !strings.Contains(m.Error, "too many subscribers") {
		t.Errorf("tcp beyond max_subscribers: %+v", m)
	}
	ts.Close()
	s.Close()
	waitFor(t, "the subscriber to leave", func() bool { return tb.Stats().Subscribers == 0 })
	// TCP request lines.
	for line, want := range map[string]string{
		"nothing\n":        `unknown table "nothing"`,
		"per_customer x\n": `bad from "x"`,
		"a b c d\n":        "bad request",
	} {
		c, err := net.Dial("tcp", tb.TCPAddr())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(c, line)
		got, _ := bufio.NewReader(c).ReadBytes('\n')
		c.Close()
		m, err := client.Decode(got)
		if err != nil || m.Type != "error" || !strings.Contains(m.Error, want) {
			t.Errorf("tcp %q: %s, want an error with %q", line, got, want)
		}
	}
}

// Stopping the table sends each subscriber its last deltas and a final
// progress message, then closes the connection cleanly.
func TestGracefulStop(t *testing.T) {
	for _, c := range []struct {
		writers int
		frames  bool
	}{{1, true}, {0, true}, {1, false}, {0, false}} {
		writers := c.writers
		cfg := testConfig("g")
		cfg.Progress = time.Hour // only the final progress
		cfg.Writers, cfg.Frames = writers, c.frames
		tb, err := serve.NewTable(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := tb.Serve("127.0.0.1:0", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		put(t, tb, 1, 1)
		var streams []client.Stream
		for _, url := range []string{wsURL(tb), sseURL(tb), tcpURL(tb)} {
			s, err := client.Open(context.Background(), url, nil)
			if err != nil {
				t.Fatal(err)
			}
			collect(t, s, 2)
			streams = append(streams, s)
		}
		put(t, tb, 2, 2)
		if !tb.Stop(5 * time.Second) {
			t.Fatal("stop did not end every subscriber in time")
		}
		for i, s := range streams {
			ms := collect(t, s, 2)
			kind := "delta"
			if c.frames {
				kind = "frame"
			}
			if ms[0].Type != kind || ms[0].Seq != 2 || ms[1].Type != "progress" || ms[1].Seq != 2 {
				t.Fatalf("writers %d stream %d: last messages %s %d, %s %d; want %s 2, progress 2",
					writers, i, ms[0].Type, ms[0].Seq, ms[1].Type, ms[1].Seq, kind)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := s.Next(ctx)
			cancel()
			if !errors.Is(err, io.EOF) {
				t.Fatalf("writers %d stream %d: after the final progress: %v, want a clean end", writers, i, err)
			}
			s.Close()
		}
		if _, err := http.Get("http://" + tb.HTTPAddr() + "/tables"); err == nil {
			t.Fatal("the address is still served after its last table stopped")
		}
	}
}
