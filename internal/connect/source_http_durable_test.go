package connect

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// postAsync posts body and returns the answer on a channel.
func postAsync(t *testing.T, url, body string) chan answer {
	ch := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", ndjson)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			ch <- answer{status: -1, body: err.Error()}
			return
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = fmt.Fprint(&b, readBody(resp))
		ch <- answer{resp.StatusCode, resp.Header, b.String()}
	}()
	return ch
}

func readBody(resp *http.Response) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func noAnswer(t *testing.T, ch chan answer, what string) {
	t.Helper()
	select {
	case a := <-ch:
		t.Fatalf("%s: answered %d %s", what, a.status, a.body)
	case <-time.After(50 * time.Millisecond):
	}
}

func gotAnswer(t *testing.T, ch chan answer) answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
		return answer{}
	}
}

// waitAccepted waits until the source has queued n events.
func waitAccepted(t *testing.T, th *testHTTP, n uint64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); th.src.Stats().Accepted < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the source queued %d events, want %d", th.src.Stats().Accepted, n)
		}
	}
}

// With ack: durable a request is answered neither when its events are
// queued nor at the commit of a checkpoint taken before the pipeline had
// them, but at the commit of one taken after: 200, "durable": true.
func TestHTTPDurableAnswersAfterTheCommit(t *testing.T) {
	th := startHTTP(t, map[string]any{"ack": "durable"})
	ans := postAsync(t, th.url, `{"user":"a","n":1}`+"\n"+`{"user":"b","n":2}`+"\n")
	waitAccepted(t, th, 2)
	noAnswer(t, ans, "queued, no checkpoint")
	th.src.Checkpointing(1) // before the pipeline took the events
	th.src.Committed(1)
	noAnswer(t, ans, "after the commit of a checkpoint taken before the events were read")
	if main, _ := th.read(t); len(main) != 2 {
		t.Fatalf("read %d events, want 2", len(main))
	}
	th.src.Checkpointing(2)
	noAnswer(t, ans, "read and checkpointed, not committed")
	th.src.Committed(2)
	a := gotAnswer(t, ans)
	var body struct {
		Accepted int
		Durable  bool
	}
	if err := json.Unmarshal([]byte(a.body), &body); err != nil || a.status != http.StatusOK || body.Accepted != 2 || !body.Durable {
		t.Fatalf("answer %d %s (%v): want 200 with 2 accepted, durable", a.status, a.body, err)
	}
	figs := figureValues(t, th.src.AppendFigures(nil))
	wantFigures(t, figs, map[string]float64{"http_source_durable_committed_total": 1, "http_source_durable_waiting_requests": 0,
		"http_source_responses_total|200": 1})
	if figs["http_source_durable_wait_seconds|0.5"] < 0.05 {
		t.Fatalf("wait p50 %v s, want at least the 100ms the request waited", figs["http_source_durable_wait_seconds|0.5"])
	}
}

// The limits: a request past ack_max_waiting is refused at once with 503,
// a JSON reason and Retry-After; a wait past ack_timeout is answered 504
// and counted; a request of more events than the queue holds is 413.
func TestHTTPDurableLimits(t *testing.T) {
	th := startHTTP(t, map[string]any{"ack": "durable", "ack_max_waiting": int64(1), "ack_timeout": 150 * time.Millisecond, "queue": int64(4)})
	first := postAsync(t, th.url, `{"user":"a","n":1}`+"\n")
	waitAccepted(t, th, 1)
	a := post(t, nil, th.url, ndjson, `{"user":"b","n":2}`+"\n")
	if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") == "" || !strings.Contains(a.body, "ack_max_waiting") {
		t.Fatalf("a request past ack_max_waiting: %d %q Retry-After %q", a.status, a.body, a.header.Get("Retry-After"))
	}
	if th.src.Stats().Accepted != 1 {
		t.Fatal("the refused request's event was accepted")
	}
	a = gotAnswer(t, first)
	if a.status != http.StatusGatewayTimeout || !strings.Contains(a.body, `"durable":false`) || !strings.Contains(a.body, "ack_timeout") {
		t.Fatalf("a request past ack_timeout: %d %s", a.status, a.body)
	}
	big := strings.Repeat(`{"user":"c","n":3}`+"\n", 5)
	if a := post(t, nil, th.url, ndjson, big); a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.body, "queue (4)") {
		t.Fatalf("5 events into a queue of 4: %d %s", a.status, a.body)
	}
	st := th.src.Stats().Durable
	if st.Timeouts != 1 || st.Busy != 1 || st.Durable != 0 {
		t.Fatalf("durable stats %+v: want 1 timeout, 1 busy", st)
	}
}

// A stop answers a request that no checkpoint holds 503 (send again), at
// once rather than at ack_timeout.
func TestHTTPDurableStopAnswersNotDurable(t *testing.T) {
	th := startHTTP(t, map[string]any{"ack": "durable"})
	ans := postAsync(t, th.url, `{"user":"a","n":1}`+"\n")
	waitAccepted(t, th, 1)
	th.src.Stop()
	a := gotAnswer(t, ans)
	if a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, "send them again") || a.header.Get("Retry-After") == "" {
		t.Fatalf("a waiting request at stop: %d %s", a.status, a.body)
	}
}

func TestHTTPDurableValidation(t *testing.T) {
	for _, c := range []struct {
		opts     map[string]any
		ck       component.Checkpoints
		interval time.Duration
		want     string
	}{
		{map[string]any{"ack": "durable"}, component.CheckpointsOff, 0, `option "ack": "durable" answers a client only once a checkpoint`},
		{map[string]any{"ack": "durable", "ack_timeout": 5 * time.Second}, component.CheckpointsOn, 10 * time.Second, `option "ack_timeout": 5s is not longer than the checkpoint interval (10s)`},
		{map[string]any{"ack": "durable", "mode": "request_reply"}, component.CheckpointsOn, time.Second, `option "ack": "durable" applies to mode ingest`},
	} {
		c.opts["schema"] = map[string]string{"user": "string"}
		ctx, _ := newCtx(t, "in", c.opts)
		ctx.Validating, ctx.Checkpoints, ctx.CheckpointInterval = true, c.ck, c.interval
		_, err := httpSourceSpec().New(ctx)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.opts, err, c.want)
		}
	}
	ctx, _ := newCtx(t, "in", map[string]any{"ack": "durable", "schema": map[string]string{"user": "string"}})
	ctx.Validating, ctx.Checkpoints, ctx.CheckpointInterval = true, component.CheckpointsOn, time.Second
	if _, err := httpSourceSpec().New(ctx); err != nil {
		t.Fatalf("ack: durable with checkpoints every second: %v", err)
	}
}

// Under ack: durable one Read hands the pipeline whole requests, even past
// batch, so that no checkpoint (taken between two Reads) holds part of
// one; under enqueued, Read stops at batch.
func TestHTTPDurableReadsWholeRequests(t *testing.T) {
	for _, ack := range []string{"enqueued", "durable"} {
		th := startHTTP(t, map[string]any{"ack": ack, "batch": int64(2), "ack_timeout": 100 * time.Millisecond})
		body := strings.Repeat(`{"user":"a","n":1}`+"\n", 5)
		ans := postAsync(t, th.url, body)
		waitAccepted(t, th, 5)
		var out component.Output
		if _, err := th.src.Read(&out, 1000); err != nil {
			t.Fatal(err)
		}
		want := 2
		if ack == "durable" {
			want = 5
		}
		if out.Len() != want {
			t.Fatalf("ack %s: the first Read handed over %d of a request's 5 events, want %d", ack, out.Len(), want)
		}
		gotAnswer(t, ans)
	}
}
