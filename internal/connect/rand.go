package connect

// mix64 is the splitmix64 finalizer: a bijection on 64-bit values that
// spreads every input bit over the output. Being a bijection, it turns a
// counter into unique pseudo-random ids.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
