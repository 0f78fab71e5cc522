package connect

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/greenwave/greenwave/internal/event"
)

// Chunking of the parallel file source: a chunk is cut after chunkLines
// lines or chunkBytes bytes, whichever comes first; chunksPerDecoder
// chunks per decoder may be read ahead of the one being emitted.
const (
	chunkLines       = 1024
	chunkBytes       = 512 << 10
	chunksPerDecoder = 4
)

// linesPerChunk is chunkLines; tests make chunks small, so that a short
// file crosses many chunk boundaries and every chunk is reused often.
var linesPerChunk = chunkLines

// chunk is a run of consecutive lines of the file: read by the reader,
// decoded by one decoder, emitted by Read, then reused.
type chunk struct {
	buf   []byte      // the lines, back to back, without line endings
	lines []chunkLine // one per line read, blank ones included
	err   error       // a read error after the lines (then the last chunk)
	eof   bool        // the last chunk of the file

	events  []event.Event // decoded events, Fields arrays reused
	decoded atomic.Bool
}

// chunkLine is one line of a chunk and what became of it.
type chunkLine struct {
	end  int   // end of the line in buf (it starts where the previous ends)
	num  int64 // line number in the file
	off  int64 // offset in the file just past the line and its ending
	long bool  // over maxLineBytes: buf holds its first maxLineBytes bytes
	// After decoding: ev is the index of its event in events, or -1 for a
	// blank line or a bad one (then err says why).
	ev  int
	err error
}

// parallelLines reads a file on one goroutine, decodes its lines on n
// goroutines, a chunk of lines at a time, and hands the decoded chunks to
// the source's Read in file order: the events come out exactly as the
// sequential source emits them, bad lines included, only sooner. Memory is
// bounded by the chunks in flight (chunksPerDecoder × n, each at most
// chunkBytes plus one line).
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
	pos  int    // its next line
	done bool   // the last chunk has been emitted
}

// startParallel starts the reader over lines, whose next line is number
// line+1, and n decoders, each its own copy of newDec().
func startParallel(lines *lineReader, line int64, n int, newDec func() *decoder, prepare func(e *event.Event), wake func()) *parallelLines {
	inFlight := chunksPerDecoder * n
	p := &parallelLines{
		ordered: make(chan *chunk, inFlight),
		work:    make(chan *chunk, inFlight),
		free:    make(chan *chunk, inFlight+1),
		quit:    make(chan struct{}),
		wake:    wake,
	}
	if p.wake == nil {
		p.wake = func() {}
	}
	p.wg.Add(1 + n)
	go p.read(lines, line)
	for range n {
		go p.decode(newDec(), prepare)
	}
	return p
}

// read fills chunks from lines and queues them, in order, for decoding and
// for Read.
func (p *parallelLines) read(lines *lineReader, num int64) {
	defer p.wg.Done()
	defer close(p.work)
	defer close(p.ordered)
	for {
		var c *chunk
		select {
		case c = <-p.free:
		default:
			c = &chunk{}
		}
		c.decoded.Store(false)
		c.buf, c.lines, c.err, c.eof = c.buf[:0], c.lines[:0], nil, false
		for len(c.lines) < linesPerChunk && len(c.buf) < chunkBytes {
			b, err := lines.next()
			if errors.Is(err, io.EOF) {
				c.eof = true
				break
			}
			if err != nil && !errors.Is(err, errLineTooLong) {
				c.err, c.eof = err, true
				break
			}
			num++
			c.buf = append(c.buf, b...)
			c.lines = append(c.lines, chunkLine{end: len(c.buf), num: num, off: lines.off, long: err != nil})
		}
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

// decodeChunk decodes every line of c with d.
func decodeChunk(c *chunk, d *decoder, prepare func(e *event.Event)) {
	n, start := 0, 0
	for i := range c.lines {
		l := &c.lines[i]
		b := c.buf[start:l.end]
		start = l.end
		l.ev, l.err = -1, nil
		switch {
		case l.long:
			l.err = errLineTooLong
			continue
		case isBlank(b):
			continue
		}
		if n == len(c.events) {
			c.events = append(c.events, event.Event{})
		}
		e := &c.events[n]
		if err := d.decode(b, e); err != nil {
			l.err = err
			continue
		}
		prepare(e)
		l.ev = n
		n++
	}
}

// next returns the next line of the file in order, with its event (nil for
// a bad line; err says why) and raw bytes (valid until the following call),
// or ready false when the next chunk is not decoded yet. At the end of the
// file it returns io.EOF, or the read error.
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
		for p.pos < len(c.lines) {
			l := &c.lines[p.pos]
			start := 0
			if p.pos > 0 {
				start = c.lines[p.pos-1].end
			}
			p.pos++
			if l.ev < 0 && l.err == nil {
				continue // blank
			}
			if l.ev >= 0 {
				e = &c.events[l.ev]
			}
			return l, e, c.buf[start:l.end], true, nil
		}
		p.head = nil
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
