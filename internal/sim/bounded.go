package sim

// GrowthTolerance is the share of the producer's rate by which the dispatcher
// queue may grow and still count as bounded (see bounded).
const GrowthTolerance = 0.005

// bounded decides whether the dispatcher queue stayed bounded, from its mean
// lengths over the four quarters of a run of d seconds in which requests
// arrived at rate requests per second.
//
// The first quarter is warm-up. A stable queue has the same mean in the
// second and in the last quarter, give or take noise; a queue that cannot be
// drained grows linearly, by (rate − throughput) × d/2 from one to the other.
// The queue counts as bounded when
//
//	mean(last quarter) − mean(second quarter) ≤ limit + GrowthTolerance × rate × d/2
//
// that is, when it grew by less than one dispatch limit plus 0.5% of the
// requests produced in between. The limit term keeps short, nearly empty
// queues from being judged on noise; the proportional term makes the verdict
// independent of the run length. A rate search with this rule overestimates
// the true capacity by at most about GrowthTolerance.
//
// growth is the estimated growth in requests per second.
func bounded(means [4]float64, d, rate float64, limit int) (growth float64, ok bool) {
	return Bounded(means, d, rate, limit)
}

// Bounded is the rule bounded applies, for queues measured elsewhere (a
// live dispatcher's, sampled at each wake-up in the same four quarters).
func Bounded(means [4]float64, d, rate float64, limit int) (growth float64, ok bool) {
	rise := means[3] - means[1]
	growth = rise / (d / 2)
	return growth, rise <= float64(limit)+GrowthTolerance*rate*d/2
}
