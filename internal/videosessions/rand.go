package videosessions

// rng is a splitmix64 pseudo-random generator: eight bytes of state, no
// allocation, and the same sequence on every platform, which is what
// deterministic generation needs. The zero value is a valid generator.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn returns a uniform value in [0, n); n must be positive.
func (r *rng) intn(n int64) int64 {
	if n <= 0 {
		panic("BUG: rng.intn with a non-positive bound")
	}
	return int64(r.next() % uint64(n))
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// mix64 is the splitmix64 finalizer: a bijection on 64-bit values that
// spreads every input bit over the output. Being a bijection, it turns a
// counter into unique pseudo-random ids.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
