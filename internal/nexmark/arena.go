package nexmark

import "unsafe"

// arenaChunk is the size of the chunks generated strings are carved from:
// small enough that a string a consumer keeps pins little memory, large
// enough that a chunk serves hundreds of people and auctions.
const arenaChunk = 4 << 10

// arena carves immutable strings out of byte chunks, so generating a
// string allocates only when a chunk is full. Bytes become part of a
// string only after they are written, and are never written again: the
// next string starts after them, and a full chunk is dropped (left to the
// strings that point into it) for a fresh one. The zero arena is ready to
// use; it is not safe for concurrent use.
type arena struct{ buf []byte }

// reserve makes room for a string of up to n bytes and returns the
// offset where it starts. Appends of up to n bytes then stay in the chunk.
func (a *arena) reserve(n int) int {
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, max(arenaChunk, n))
	}
	return len(a.buf)
}

// str returns the bytes from start to the end of the chunk's used part as
// a string, which keeps them.
func (a *arena) str(start int) string {
	if start == len(a.buf) {
		return ""
	}
	return unsafe.String(&a.buf[start], len(a.buf)-start)
}
