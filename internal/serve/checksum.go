package serve

import "strconv"

// The table checksum is order-independent, so a client can keep it up to
// date as it applies deltas and compare it with the server's at any
// sequence: the sum, modulo 2^64, over the table's rows of FNV-1a (64-bit)
// of the row's key text, a newline, and the row's text — both exactly as
// the server sent them — written as 16 lowercase hex digits. An empty
// table's checksum is 0000000000000000.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// RowHash is one row's share of the table checksum.
func RowHash(key, row []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range key {
		h = (h ^ uint64(c)) * fnvPrime
	}
	h = (h ^ '\n') * fnvPrime
	for _, c := range row {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

// FormatChecksum writes a checksum as the protocol does.
func FormatChecksum(sum uint64) string { return string(appendChecksum(nil, sum)) }

// ParseChecksum reads a checksum written by FormatChecksum.
func ParseChecksum(s string) (uint64, error) {
	return strconv.ParseUint(s, 16, 64)
}

func appendChecksum(dst []byte, sum uint64) []byte {
	const hex = "0123456789abcdef"
	for i := checksumDigits - 1; i >= 0; i-- {
		dst = append(dst, hex[(sum>>(4*uint(i)))&0xf])
	}
	return dst
}
