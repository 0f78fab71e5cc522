package connect

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// maxLineBytes bounds one line of a JSON-lines file, without its line
// ending. Longer lines are rejected, not truncated.
const maxLineBytes = 1 << 20

const lineReaderBuffer = 64 << 10

// errLineTooLong reports a line above maxLineBytes; the reader has skipped
// to the next line.
var errLineTooLong = fmt.Errorf("line longer than %d bytes (1 MiB)", maxLineBytes)

// lineReader splits a stream into lines of up to maxLineBytes. Lines that
// fit the 64 KiB read buffer are returned without copying; longer ones are
// assembled in a reused buffer. Not safe for concurrent use.
type lineReader struct {
	r    *bufio.Reader
	long []byte
	// off is the offset in the stream of the next line (what next has
	// consumed), for checkpoints.
	off int64
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, lineReaderBuffer)}
}

// next returns the next line without "\n" or "\r\n". The slice is valid
// until the following call. A last line without a line ending is returned
// like any other; then next returns io.EOF. A line too long is returned
// truncated to maxLineBytes together with errLineTooLong; reading can go on.
func (l *lineReader) next() ([]byte, error) {
	b, err := l.r.ReadSlice('\n')
	l.off += int64(len(b))
	switch {
	case err == nil:
		return trimEOL(b), nil
	case errors.Is(err, io.EOF):
		if len(b) == 0 {
			return nil, io.EOF
		}
		return trimEOL(b), nil
	case !errors.Is(err, bufio.ErrBufferFull):
		return nil, err
	}
	l.long = append(l.long[:0], b...)
	for {
		b, err = l.r.ReadSlice('\n')
		l.off += int64(len(b))
		if len(l.long)+len(trimEOL(b)) > maxLineBytes {
			return l.skipLong(b, err)
		}
		l.long = append(l.long, b...)
		switch {
		case err == nil || errors.Is(err, io.EOF):
			return trimEOL(l.long), nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return nil, err
		}
	}
}

// skipLong discards the rest of a line that has grown past maxLineBytes;
// b and err are the last ReadSlice result.
func (l *lineReader) skipLong(b []byte, err error) ([]byte, error) {
	l.long = append(l.long, b[:maxLineBytes-len(l.long)]...)
	for errors.Is(err, bufio.ErrBufferFull) {
		var b []byte
		b, err = l.r.ReadSlice('\n')
		l.off += int64(len(b))
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return l.long, errLineTooLong
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// isBlank reports whether b holds only JSON whitespace.
func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}
