package sim_test

import (
	"fmt"
	"time"

	"github.com/greenwave/greenwave/internal/sim"
)

// The article's first command, for one virtual second: every request takes
// exactly the 0.5 ms latency goal.
func ExampleRun() {
	r, err := sim.Run(sim.Config{
		Duration:     time.Second,
		ProducerRate: 200_000,
		ConsumerRate: 200_000,
		Goal:         sim.DefaultGoal,
		Factor:       sim.DefaultFactor,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("limit %d, latency mean %g s, max %g s, bounded %v\n", r.Limit, r.Total.Mean, r.Total.Max, r.Bounded)
	// Output: limit 150, latency mean 0.0005 s, max 0.0005 s, bounded true
}

// A Poisson dispatcher with factor 1.5 caps a 200k/s consumer at about 155k/s.
func ExampleClosedForm() {
	rate, ok := sim.ClosedForm(sim.Config{
		Duration:         time.Second,
		ProducerRate:     1,
		DispatcherDelays: sim.Poisson,
		Goal:             sim.DefaultGoal,
		Factor:           1.5,
		ConsumerRate:     200_000,
	})
	fmt.Printf("%.0f/s %v\n", rate, ok)
	// Output: 155374/s true
}
