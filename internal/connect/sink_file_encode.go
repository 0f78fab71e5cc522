package connect

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/greenwave/greenwave/internal/event"
)

// Parallel encoding of the file sink: a batch of at least 2 × encodePart
// events is cut into parts of at least encodePart events, one per encoder,
// the sink's goroutine being one; at most maxEncoders encoders.
const (
	encodePart  = 64
	maxEncoders = 4
)

// encoders returns how many goroutines the file sink encodes on: one per
// core the process may use, up to maxEncoders.
func encoders() int { return min(runtime.GOMAXPROCS(0), maxEncoders) }

// encodePool encodes a batch of events as JSON lines on the calling
// goroutine and on helpers, and appends the lines in the batch's order:
// the output is byte for byte what one lineFormat writes. The caller
// encodes the first part and then takes the parts no helper has started,
// so a helper slow to be scheduled delays nothing; each helper has a
// lineFormat of its own. The helpers start with the first batch large
// enough to share; stop ends them. Not safe for concurrent use.
type encodePool struct {
	newFormat func() lineFormat
	helpers   int

	in      []event.Event
	parts   []encodedPart  // parts[1:] go to whoever takes them from todo
	todo    chan int       // indexes of parts not taken
	pending atomic.Int32   // parts not encoded yet
	done    chan struct{}  // one token when a helper encodes the last part
	quit    chan struct{}  // closed by stop
	wg      sync.WaitGroup // the helpers
	started bool
}

// encodedPart is one part of a batch and its lines.
type encodedPart struct {
	lo, hi int
	buf    []byte
	err    error
}

func newEncodePool(helpers int, newFormat func() lineFormat) *encodePool {
	return &encodePool{newFormat: newFormat, helpers: helpers}
}

// encode appends the lines of in to dst with lf (the caller's format) and
// returns dst, or the error of the first event that could not be encoded
// (dst then holds the lines before it, or some of them).
func (p *encodePool) encode(dst []byte, lf *lineFormat, in []event.Event) ([]byte, error) {
	n := min(p.helpers+1, len(in)/encodePart)
	if n < 2 {
		return appendLines(dst, lf, in)
	}
	p.start()
	if cap(p.parts) < n {
		p.parts = make([]encodedPart, n)
	}
	p.parts, p.in = p.parts[:n], in
	for i := range p.parts {
		p.parts[i].lo, p.parts[i].hi = i*len(in)/n, (i+1)*len(in)/n
	}
	p.pending.Store(int32(n - 1))
	for i := 1; i < n; i++ {
		p.todo <- i
	}
	dst, err := appendLines(dst, lf, in[:p.parts[0].hi])
	// Take what no helper has taken, then wait for the parts in hand.
	last := false
	for taking := true; taking && !last; {
		select {
		case i := <-p.todo:
			last = p.encodePart(lf, i)
		default:
			taking = false
		}
	}
	if !last {
		<-p.done
	}
	p.in = nil
	for i := 1; i < n && err == nil; i++ {
		dst, err = append(dst, p.parts[i].buf...), p.parts[i].err
	}
	return dst, err
}

// encodePart encodes part i and reports whether it was the last one
// pending.
func (p *encodePool) encodePart(lf *lineFormat, i int) bool {
	part := &p.parts[i]
	part.buf, part.err = appendLines(part.buf[:0], lf, p.in[part.lo:part.hi])
	return p.pending.Add(-1) == 0
}

// start starts the helpers, once.
func (p *encodePool) start() {
	if p.started {
		return
	}
	p.started = true
	p.todo = make(chan int, p.helpers+1)
	p.done = make(chan struct{}, 1)
	p.quit = make(chan struct{})
	p.wg.Add(p.helpers)
	for range p.helpers {
		lf := p.newFormat()
		go p.help(&lf)
	}
}

// help encodes the parts it takes until stop.
func (p *encodePool) help(lf *lineFormat) {
	defer p.wg.Done()
	for {
		select {
		case i := <-p.todo:
			if p.encodePart(lf, i) {
				p.done <- struct{}{}
			}
		case <-p.quit:
			return
		}
	}
}

// stop ends the helpers and waits for them; the pool may start them again.
func (p *encodePool) stop() {
	if !p.started {
		return
	}
	close(p.quit)
	p.wg.Wait()
	p.started = false
}

// appendLines appends the lines of in to dst.
func appendLines(dst []byte, lf *lineFormat, in []event.Event) ([]byte, error) {
	var err error
	for i := range in {
		if dst, err = lf.append(dst, &in[i]); err != nil {
			return dst, err
		}
	}
	return dst, nil
}
