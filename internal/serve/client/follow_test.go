package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Follow resumes after a broken stream with the sequence number and the
// session of its replica's last snapshot; the first subscription sends
// Options.From and Options.Session; no session is sent without a from.
func TestFollowResumesWithinTheSession(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		n := len(queries)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		switch n % 2 {
		case 1:
			// A snapshot at 5 of session abc, then a delta out of
			// sequence: the client resumes.
			fmt.Fprint(w, "data: {\"type\":\"snapshot\",\"seq\":5,\"rows\":[]}\n\n")
			fmt.Fprint(w, "data: {\"type\":\"snapshot_end\",\"seq\":5,\"checksum\":\"0000000000000000\",\"session\":\"abc\"}\n\n")
			fmt.Fprint(w, "data: {\"type\":\"delta\",\"seq\":9,\"op\":\"delete\",\"key\":[1]}\n\n")
		default:
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	}))
	defer srv.Close()
	from := uint64(2)
	for _, c := range []struct {
		opts  Options
		first string
	}{
		{Options{From: &from, Session: "old"}, "from=2&session=old"},
		{Options{Session: "ignored"}, ""},
	} {
		mu.Lock()
		start := len(queries)
		mu.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		r := NewReplica()
		go func() { done <- Follow(ctx, srv.URL+"/tables/x", r, c.opts) }()
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			n := len(queries)
			mu.Unlock()
			if n >= start+2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the client did not resume")
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		got := queries[start : start+2]
		mu.Unlock()
		if got[0] != c.first || got[1] != "from=5&session=abc" || r.Session != "abc" {
			t.Fatalf("queries %q (replica session %q), want %q then from=5&session=abc", got, r.Session, c.first)
		}
	}
}
