package nexmark

import "math/bits"

// rng is a splitmix64 pseudo-random generator. Each event gets its own,
// seeded by eventRNG, which is what makes an event depend only on the seed
// and its id. The zero value is a valid generator.
type rng struct{ s uint64 }

// eventRNG returns the stream of event id under the mixed seed key. The id
// is hashed rather than added, so the streams of neighbouring events do not
// overlap.
func eventRNG(key uint64, id int64) rng { return rng{s: mix64(key ^ uint64(id))} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn returns a value in [0, n) by multiply-shift (Lemire); the bias is
// below n/2⁶⁴. n must be positive.
func (r *rng) intn(n int64) int64 {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int64(hi)
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// mix64 is the splitmix64 finalizer, a bijection that spreads every input
// bit over the output.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
