package connect

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// httpDeadLetters is the http sink's dead-letter file: one JSON line per
// event of a batch given up on, with why. Writes come from the goroutines
// of attempts (never a worker) and are serialised by a mutex.
type httpDeadLetters struct {
	mu   sync.Mutex
	f    *os.File
	file string // as written, for messages
	buf  []byte
}

func openHTTPDeadLetters(path, file string, appendMode, createDirs bool) (*httpDeadLetters, error) {
	if createDirs {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("cannot create the directory of the dead-letter file %q: %w", file, err)
		}
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appendMode {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open the dead-letter file %q for writing: %w", file, err)
	}
	return &httpDeadLetters{f: f, file: file}, nil
}

// writeDeadLetters writes each event of b with the reason, the last
// status (0: none) and the attempts made, then counts them.
func (s *httpSink) writeDeadLetters(b *httpBatch, reason string, status int) error {
	d := s.dl
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return fmt.Errorf("dead-letter file %q is closed", d.file)
	}
	buf := d.buf[:0]
	lines := b.lines
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n')
		if i < 0 {
			i = len(lines)
		}
		buf = append(buf, `{"error":`...)
		buf = appendJSONString(buf, reason)
		buf = append(buf, `,"status":`...)
		buf = strconv.AppendInt(buf, int64(status), 10)
		buf = append(buf, `,"attempts":`...)
		buf = strconv.AppendInt(buf, int64(b.attempts), 10)
		buf = append(buf, `,"idempotency_key":`...)
		buf = appendJSONString(buf, b.key)
		buf = append(buf, `,"event":`...)
		buf = append(buf, lines[:i]...)
		buf = append(buf, "}\n"...)
		lines = lines[min(i+1, len(lines)):]
	}
	d.buf = buf
	if _, err := d.f.Write(buf); err != nil {
		return fmt.Errorf("cannot write the dead-letter file %q: %w", d.file, err)
	}
	s.stats.deadLettered.Add(uint64(b.events))
	return nil
}

func (d *httpDeadLetters) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return nil
	}
	err := d.f.Close()
	d.f = nil
	if err != nil {
		return fmt.Errorf("cannot close the dead-letter file %q: %w", d.file, err)
	}
	return nil
}
