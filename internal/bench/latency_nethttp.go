package bench

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/valyala/fastjson"
)

// The baseline of bench latency: a plain net/http server doing in its
// handler what the greenwave pipeline does: decode each JSON record with
// fastjson (a pooled parser, as greenwave's decoders are), drop records
// whose n is negative (the filter), add double = n * 2 and upper-case user
// (the map), and answer: the row (200) for one record, or 202 with the
// count for a batch.

type nethttpServer struct {
	srv     *http.Server
	ln      net.Listener
	parsers fastjson.ParserPool
	bufs    sync.Pool
}

func startNetHTTP(addr string) (*nethttpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &nethttpServer{ln: ln, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
	mux := http.NewServeMux()
	mux.HandleFunc("/events", s.handle)
	s.srv = &http.Server{Handler: mux}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *nethttpServer) close() { _ = s.srv.Close() }

func (s *nethttpServer) handle(w http.ResponseWriter, r *http.Request) {
	body := s.bufs.Get().(*bytes.Buffer)
	defer s.bufs.Put(body)
	body.Reset()
	if _, err := body.ReadFrom(io.LimitReader(r.Body, 8<<20)); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p := s.parsers.Get()
	defer s.parsers.Put(p)
	out := make([]byte, 0, 128)
	kept, lines := 0, 0
	rest := body.Bytes()
	for len(rest) > 0 {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lines++
		v, err := p.ParseBytes(line)
		if err != nil {
			continue
		}
		n := v.GetInt64("n")
		if n < 0 {
			continue
		}
		kept++
		if lines == 1 {
			out = append(out[:0], `{"double":`...)
			out = strconv.AppendInt(out, n*2, 10)
			out = append(out, `,"n":`...)
			out = strconv.AppendInt(out, n, 10)
			out = append(out, `,"ts":`...)
			out = strconv.AppendInt(out, v.GetInt64("ts"), 10)
			out = append(out, `,"user":`...)
			out = strconv.AppendQuote(out, string(bytes.ToUpper(v.GetStringBytes("user"))))
			out = append(out, "}\n"...)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if lines == 1 && kept == 1 {
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		_, _ = w.Write(out)
		return
	}
	out = append(out[:0], `{"accepted":`...)
	out = strconv.AppendInt(out, int64(kept), 10)
	out = append(out, "}\n"...)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(out)
}
