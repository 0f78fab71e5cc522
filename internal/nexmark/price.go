package nexmark

import "math"

// priceSteps is the number of table steps per decade in nextPrice.
const priceSteps = 256

// priceTable holds 10^(k/priceSteps) for k in [0, priceSteps), and
// decadeCents 10^d × 100 for each of the six decades.
var (
	priceTable = func() (t [priceSteps]float64) {
		for k := range t {
			t[k] = math.Pow(10, float64(k)/priceSteps)
		}
		return t
	}()
	decadeCents = [6]float64{1e2, 1e3, 1e4, 1e5, 1e6, 1e7}
)

// nextPrice returns a price in cents on a log scale from 1.00 to
// 1,000,000.00: the reference's round(10^(6u) × 100) for a uniform u. It
// splits 6u, in fixed point from the random bits, into a decade, a table
// step and a rest below 1/256 decade whose power of ten a fourth-order
// polynomial gives to within 6 parts in 10¹³: several times cheaper than
// math.Pow, and the same price to the cent but for a few in a million.
func nextPrice(r *rng) int64 {
	const fracBits = 53
	v := (r.next() >> (64 - fracBits)) * 6 // 6u in fixed point, 3+53 bits
	decade := v >> fracBits
	frac := v & (1<<fracBits - 1)
	step := frac >> (fracBits - 8)
	rest := float64(frac&(1<<(fracBits-8)-1)) * (math.Ln10 / (1 << fracBits))
	// The explicit conversions forbid fused multiply-adds, so every
	// platform rounds alike and a seed gives the same prices everywhere.
	poly := 1.0/6 + float64(rest*(1.0/24))
	poly = 0.5 + float64(rest*poly)
	poly = 1 + float64(rest*poly)
	poly = 1 + float64(rest*poly)
	p := float64(decadeCents[decade]*priceTable[step]) * poly
	return int64(float64(p) + 0.5)
}
