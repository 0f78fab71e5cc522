package connect

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/greenwave/greenwave/internal/event"
)

// Chunking of the parallel file source: the reader reads chunkBytes at a
// time and cuts a chunk after its last whole line, or after chunkLines
// lines when it holds more; chunksPerDecoder chunks per decoder may be
// read ahead of the one being emitted.
const (
	chunkLines       = 1024
	chunkBytes       = 512 << 10
	chunksPerDecoder = 4
)

// linesPerChunk and bytesPerChunk are chunkLines and chunkBytes; tests make
// chunks small, so that a short file crosses many chunk boundaries (lines
// cut by a read among them) and every chunk is reused often.
var (
	linesPerChunk = chunkLines
	bytesPerChunk = chunkBytes
)

// chunk is a run of consecutive lines of the file, as the file holds them:
// read by the reader, split into lines and decoded by one decoder, emitted
// by Read, then reused.
type chunk struct {
	// buf holds whole lines with their endings (the file's last line may
	// have none). With long, it holds the first maxLineBytes bytes of one
	// line too long, which ends at file offset longEnd.
	buf     []byte
	start   int64 // file offset of buf[0]
	long    bool
	longEnd int64
	err     error // a read error after the lines (then the last chunk)
	eof     bool  // the last chunk of the file

	// Set by the decoder: the chunk's lines that are not blank, the number
	// of lines blank ones included, and the decoded events (Fields arrays
	// reused).
	lines   []chunkLine
	count   int
	events  []event.Event
	decoded atomic.Bool
}

// chunkLine is one line of a chunk that is not blank, and what became of it.
type chunkLine struct {
	start, end int // the line in buf, without its ending
	next       int // where the following line starts in buf
	rel        int // the line's index in the chunk, blank lines counted
	// ev is the index of its event in events, or -1 for a bad line (then
	// err says why).
	ev  int
	err error
	// Set by next when the line is emitted: its number in the file and the
	// offset just past it and its ending.
	num int64
	off int64
}

// parallelLines reads a file on one goroutine, in chunks of whole lines
// that it does not look into beyond finding the last line ending, and
// splits and decodes the chunks on n goroutines; it hands the decoded
// chunks to the source's Read in file order: the events come out exactly
// as the sequential source emits them, bad lines included, only sooner.
// Memory is bounded by the chunks in flight (chunksPerDecoder × n + 1,
// each at most chunkBytes plus one line of up to maxLineBytes).
//
// The reader and the decoders call wake after each chunk they finish, so a
// Read that found nothing ready (and returned PushReady) gets another turn.
// close stops every goroutine and waits for them.
type parallelLines struct {
	ordered chan *chunk // chunks in file order, decoded or not
	work    chan *chunk // chunks to decode
	free    chan *chunk // chunks emitted, for reuse
	quit    chan struct{}
	wg      sync.WaitGroup
	wake    func()

	head *chunk // the chunk Read is emitting
	pos  int    // its next line in head.lines
	line int64  // lines of the file before head (or before the next chunk)
	done bool   // the last chunk has been emitted
}

// startParallel starts the reader over r, positioned at file offset off
// before line number line+1, and n decoders, each its own copy of newDec().
func startParallel(r io.Reader, off, line int64, n int, newDec func() *decoder, prepare func(e *event.Event), wake func()) *parallelLines {
	inFlight := chunksPerDecoder * n
	p := &parallelLines{
		ordered: make(chan *chunk, inFlight),
		work:    make(chan *chunk, inFlight),
		free:    make(chan *chunk, inFlight+1),
		quit:    make(chan struct{}),
		wake:    wake,
		line:    line,
	}
	if p.wake == nil {
		p.wake = func() {}
	}
	p.wg.Add(1 + n)
	go p.read(r, off)
	for range n {
		go p.decode(newDec(), prepare)
	}
	return p
}

// chunkReader fills chunks from a file: whole lines, the part of a line
// a read cut carried over to the next chunk. Owned by the reader goroutine.
type chunkReader struct {
	r   io.Reader
	off int64 // file offset of the next byte to read
	// carry[next:] is what was read past the last chunk's end.
	carry []byte
	next  int
	eof   bool
	err   error
	// target is the size a chunk is read to: bytesPerChunk, or less when
	// chunks are cut at linesPerChunk lines, so that what is carried over
	// stays about a line.
	target int
}

// fill makes c the next chunk of the file.
func (cr *chunkReader) fill(c *chunk) {
	rest := cr.carry[cr.next:]
	c.start = cr.off - int64(len(rest))
	c.long, c.longEnd, c.err, c.eof = false, 0, nil, false
	// What was carried over, up to the target and the line ending after
	// it: a chunk copies what it holds, not all that a long read left.
	n := len(rest)
	if n > cr.target {
		if i := bytes.IndexByte(rest[cr.target:], '\n'); i >= 0 {
			n = cr.target + i + 1
		}
	}
	c.buf = append(c.buf[:0], rest[:n]...)
	if cr.next += n; cr.next == len(cr.carry) {
		cr.carry, cr.next = cr.carry[:0], 0
	}
	searched := 0 // buf[:searched] holds no line ending
	for {
		if len(c.buf) >= cr.target {
			if cut := bytes.LastIndexByte(c.buf[searched:], '\n'); cut >= 0 {
				cr.cut(c, searched+cut+1)
				return
			}
			searched = len(c.buf)
			if len(c.buf) > maxLineBytes+1 {
				// Over maxLineBytes even without a "\r" before its "\n".
				cr.skipLong(c)
				return
			}
		}
		if cr.eof || cr.err != nil {
			// The rest of the file (the carry is empty: it ends at a
			// line ending, past the target).
			c.eof, c.err = true, cr.err
			return
		}
		// Up to the target, then, for a line longer than the target, as
		// much again as the line has so far.
		cr.readInto(c, max(cr.target-len(c.buf), len(c.buf)))
	}
}

// readInto reads up to n bytes once onto the end of c.buf, growing it
// (at least twofold) when it has no room for them.
func (cr *chunkReader) readInto(c *chunk, n int) {
	if cap(c.buf)-len(c.buf) < n {
		c.buf = append(make([]byte, 0, max(2*cap(c.buf), len(c.buf)+n)), c.buf...)
	}
	c.buf = c.buf[:len(c.buf)+cr.read(c.buf[len(c.buf):len(c.buf)+n])]
}

// read reads once into p, advancing the offset and noting the end of the
// file or an error, and returns the bytes read.
func (cr *chunkReader) read(p []byte) int {
	n, err := cr.r.Read(p)
	cr.off += int64(n)
	switch {
	case errors.Is(err, io.EOF):
		cr.eof = true
	case err != nil:
		cr.err = err
	}
	return n
}

// cut ends c after byte n (just past a line ending), or after its
// linesPerChunk-th line if it comes first, and carries the rest over. A
// chunk cut at linesPerChunk lines makes its size the next target; one cut
// at n raises the target by an eighth, up to bytesPerChunk.
func (cr *chunkReader) cut(c *chunk, n int) {
	if bytes.Count(c.buf[:n], []byte{'\n'}) > linesPerChunk {
		n = 0
		for range linesPerChunk {
			n += bytes.IndexByte(c.buf[n:], '\n') + 1
		}
		cr.target = n
	} else {
		cr.target = min(bytesPerChunk, cr.target+cr.target/8+1)
	}
	if cr.next > 0 {
		// c came from the carry alone: give the rest back.
		cr.next -= len(c.buf) - n
	} else {
		cr.carry = append(cr.carry[:0], c.buf[n:]...)
	}
	c.buf = c.buf[:n]
}

// skipLong makes c the first maxLineBytes bytes of a line too long and
// reads on to the line's end, carrying what follows over.
func (cr *chunkReader) skipLong(c *chunk) {
	c.long = true
	scratch := c.buf[maxLineBytes:cap(c.buf)]
	c.buf = c.buf[:maxLineBytes]
	pending := scratch[:0] // read, not yet searched
	for {
		if i := bytes.IndexByte(pending, '\n'); i >= 0 {
			cr.carry, cr.next = append(cr.carry[:0], pending[i+1:]...), 0
			c.longEnd = cr.off - int64(len(pending)-i-1)
			return
		}
		if cr.eof || cr.err != nil {
			c.longEnd = cr.off
			return
		}
		pending = scratch[:cr.read(scratch[:cap(scratch)])]
	}
}

// read fills chunks and queues them, in order, for decoding and for Read.
func (p *parallelLines) read(r io.Reader, off int64) {
	defer p.wg.Done()
	defer close(p.work)
	defer close(p.ordered)
	cr := &chunkReader{r: r, off: off, target: bytesPerChunk}
	for {
		var c *chunk
		select {
		case c = <-p.free:
		default:
			c = &chunk{}
		}
		c.decoded.Store(false)
		cr.fill(c)
		// Queued for Read first: a chunk is in ordered before any decoder
		// can finish it.
		select {
		case p.ordered <- c:
		case <-p.quit:
			return
		}
		select {
		case p.work <- c:
		case <-p.quit:
			return
		}
		if c.eof {
			return
		}
	}
}

// decode decodes the chunks it takes until there are no more.
func (p *parallelLines) decode(d *decoder, prepare func(e *event.Event)) {
	defer p.wg.Done()
	for {
		var c *chunk
		select {
		case c = <-p.work:
		case <-p.quit:
			return
		}
		if c == nil {
			return
		}
		decodeChunk(c, d, prepare)
		c.decoded.Store(true)
		p.wake()
	}
}

// decodeChunk splits c into lines and decodes each with d.
func decodeChunk(c *chunk, d *decoder, prepare func(e *event.Event)) {
	c.lines, c.count = c.lines[:0], 0
	if c.long {
		c.lines = append(c.lines, chunkLine{end: len(c.buf), next: len(c.buf), ev: -1, err: errLineTooLong})
		c.count = 1
		return
	}
	n := 0
	for pos := 0; pos < len(c.buf); c.count++ {
		next := len(c.buf)
		if i := bytes.IndexByte(c.buf[pos:], '\n'); i >= 0 {
			next = pos + i + 1
		}
		b := trimEOL(c.buf[pos:next])
		l := chunkLine{start: pos, end: pos + len(b), next: next, rel: c.count, ev: -1}
		pos = next
		switch {
		case len(b) > maxLineBytes:
			l.end, l.err = l.start+maxLineBytes, errLineTooLong
			c.lines = append(c.lines, l)
			continue
		case isBlank(b):
			continue
		}
		if n == len(c.events) {
			c.events = append(c.events, event.Event{})
		}
		e := &c.events[n]
		if l.err = d.decode(b, e); l.err == nil {
			prepare(e)
			l.ev = n
			n++
		}
		c.lines = append(c.lines, l)
	}
}

// next returns the next line of the file in order that is not blank, with
// its event (nil for a bad line; err says why) and raw bytes (valid until
// the following call), or ready false when the next chunk is not decoded
// yet. At the end of the file it returns io.EOF, or the read error.
func (p *parallelLines) next() (l *chunkLine, e *event.Event, raw []byte, ready bool, err error) {
	for {
		if p.head == nil {
			if p.done {
				return nil, nil, nil, true, io.EOF
			}
			select {
			case c, ok := <-p.ordered:
				if !ok {
					p.done = true
					return nil, nil, nil, true, io.EOF
				}
				p.head, p.pos = c, 0
			default:
				return nil, nil, nil, false, nil
			}
		}
		c := p.head
		if !c.decoded.Load() {
			return nil, nil, nil, false, nil
		}
		if p.pos < len(c.lines) {
			l := &c.lines[p.pos]
			p.pos++
			l.num = p.line + int64(l.rel) + 1
			l.off = c.start + int64(l.next)
			if c.long {
				l.off = c.longEnd
			}
			if l.ev >= 0 {
				e = &c.events[l.ev]
			}
			return l, e, c.buf[l.start:l.end], true, nil
		}
		p.head = nil
		p.line += int64(c.count)
		if c.eof {
			p.done = true
			if c.err != nil {
				return nil, nil, nil, true, c.err
			}
			return nil, nil, nil, true, io.EOF
		}
		select {
		case p.free <- c:
		default:
		}
	}
}

// close stops the reader and the decoders and waits for them.
func (p *parallelLines) close() {
	close(p.quit)
	p.wg.Wait()
}
