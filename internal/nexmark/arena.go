package nexmark

import "unsafe"

// arenaChunk is the size of the chunks generated strings are carved from:
// small enough that a string a consumer keeps pins little memory, large
// enough that a chunk serves hundreds of people and auctions.
const arenaChunk = 4 << 10

// extraChunk is the size of the chunks the extra padding is copied into:
// padding is most of an event's bytes (about 70 of a bid's 100), so its
// chunks are larger, and a chunk is allocated about once per 500 bids.
const extraChunk = 32 << 10

// arena carves immutable strings out of byte chunks, so generating a
// string allocates only when a chunk is full. Bytes become part of a
// string only after they are written, and are never written again: the
// next string starts after them, and a full chunk is dropped (left to the
// strings that point into it) for a fresh one. The zero arena is ready to
// use; it is not safe for concurrent use.
type arena struct {
	buf []byte
	// chunk is the chunk size; 0 means arenaChunk.
	chunk int
}

// reserve makes room for a string of up to n bytes and returns the
// offset where it starts. Appends of up to n bytes then stay in the chunk.
func (a *arena) reserve(n int) int {
	if cap(a.buf)-len(a.buf) < n {
		c := a.chunk
		if c == 0 {
			c = arenaChunk
		}
		a.buf = make([]byte, 0, max(c, n))
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
