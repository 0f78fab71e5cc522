package serve

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/coder/websocket"
)

//go:embed page/index.html
var indexHTML []byte

// handler routes the HTTP API (docs/serve-protocol.md).
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(indexHTML)
	})
	mux.HandleFunc("GET /tables", s.serveList)
	mux.HandleFunc("GET /tables/{name}", s.serveInfo)
	mux.HandleFunc("GET /tables/{name}/snapshot", s.serveSnapshot)
	mux.HandleFunc("GET /tables/{name}/stats", s.serveStats)
	mux.HandleFunc("GET /tables/{name}/stream", s.serveStream)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			httpError(w, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed: the API is read-only (GET)", r.Method))
			return
		}
		httpError(w, http.StatusNotFound, fmt.Errorf("no such path %q; see /tables", r.URL.Path))
	})
	return mux
}

// httpError writes {"error": "..."} with status.
func httpError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	_, _ = w.Write(append(b, '\n'))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	b, err := json.Marshal(v)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err)
		return
	}
	_, _ = w.Write(append(b, '\n'))
}

// tableInfo is one table as GET /tables lists it.
type tableInfo struct {
	Name        string    `json:"name"`
	Tenant      string    `json:"tenant"`
	Key         []string  `json:"key"`
	Session     string    `json:"session"`
	Seq         uint64    `json:"seq"`
	Rows        int64     `json:"rows"`
	Subscribers int       `json:"subscribers"`
	Retained    [2]uint64 `json:"retained"`
}

func (t *Table) info() tableInfo {
	first := t.window.first.Load()
	seq := t.window.head.Load()
	ret := [2]uint64{min(first, seq+1), seq}
	return tableInfo{Name: t.cfg.Name, Tenant: t.cfg.Tenant, Key: t.cfg.Key, Session: t.session, Seq: seq, Rows: t.pub.rows.Load(),
		Subscribers: len(*t.hub.subs.Load()), Retained: ret}
}

func (s *server) serveList(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		Tables []tableInfo `json:"tables"`
	}{Tables: []tableInfo{}}
	for _, t := range s.list() {
		out.Tables = append(out.Tables, t.info())
	}
	writeJSON(w, out)
}

// lookup finds the request's table or writes a 404.
func (s *server) lookup(w http.ResponseWriter, r *http.Request) *Table {
	t, err := s.table(r.PathValue("name"))
	if err != nil {
		httpError(w, http.StatusNotFound, err)
		return nil
	}
	return t
}

func (s *server) serveInfo(w http.ResponseWriter, r *http.Request) {
	if t := s.lookup(w, r); t != nil {
		writeJSON(w, t.info())
	}
}

func (s *server) serveStats(w http.ResponseWriter, r *http.Request) {
	if t := s.lookup(w, r); t != nil {
		writeJSON(w, t.Stats())
	}
}

func (s *server) serveSnapshot(w http.ResponseWriter, r *http.Request) {
	t := s.lookup(w, r)
	if t == nil {
		return
	}
	snap := t.Snapshot()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(snap.AppendJSON(make([]byte, 0, 64+chunkBytes(snap.rows))), '\n'))
}

// parseFrom reads ?from=SEQ&session=X (or, for SSE reconnects,
// Last-Event-ID: SEQ/SESSION, or SEQ as servers before sessions wrote it).
func parseFrom(r *http.Request) (*uint64, string, error) {
	q := r.URL.Query()
	if !q.Has("from") {
		v := r.Header.Get("Last-Event-ID")
		if v == "" {
			return nil, "", nil
		}
		seq, session, _ := strings.Cut(v, "/")
		from, err := parseSeq("Last-Event-ID", seq)
		return from, session, err
	}
	from, err := parseSeq("from", q.Get("from"))
	return from, q.Get("session"), err
}

func parseSeq(name, v string) (*uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		if len(v) > 64 {
			v = v[:64] + "..."
		}
		return nil, fmt.Errorf("bad %s %q: want a sequence number (0 or more)", name, v)
	}
	return &n, nil
}

// subscribeStatus maps Subscribe's errors to HTTP statuses.
func subscribeStatus(err error) int {
	switch {
	case errors.Is(err, ErrTooMany), errors.Is(err, ErrClosed):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// serveStream subscribes: WebSocket when the request asks to upgrade,
// Server-Sent Events otherwise.
func (s *server) serveStream(w http.ResponseWriter, r *http.Request) {
	t := s.lookup(w, r)
	if t == nil {
		return
	}
	from, session, err := parseFrom(r)
	if err != nil {
		httpError(w, http.StatusBadRequest, err)
		return
	}
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.serveWebSocket(w, r, t, from, session)
		return
	}
	c := &sseConn{w: w, rc: http.NewResponseController(w), session: t.session}
	sub, err := t.subscribe(r.Context(), c, from, session, r.RemoteAddr, "sse")
	if err != nil {
		httpError(w, subscribeStatus(err), err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("retry: 1000\n\n"))
	_ = c.rc.Flush()
	_ = sub.Run()
}

func (s *server) serveWebSocket(w http.ResponseWriter, r *http.Request, t *Table, from *uint64, session string) {
	c := &wsConn{}
	// Subscribe before the upgrade, so that a refusal is an HTTP status
	// with its reason.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub, err := t.subscribe(ctx, c, from, session, r.RemoteAddr, "websocket")
	if err != nil {
		httpError(w, subscribeStatus(err), err)
		return
	}
	// The subscriber's messages are framed and written here, not by the
	// library: every write goes through the connection Hijack wraps.
	cw := &upgradeWriter{ResponseWriter: w}
	ws, err := websocket.Accept(cw, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		sub.kill()
		_ = sub.Run()
		return
	}
	c.set(ws, cw.conn)
	// The client sends nothing; CloseRead handles control frames and ends
	// the subscription when the client goes away.
	readCtx := ws.CloseRead(ctx)
	stop := context.AfterFunc(readCtx, sub.kill)
	_ = sub.Run()
	stop()
	c.finish()
}
