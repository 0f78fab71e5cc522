package sim

import (
	"fmt"
	"testing"
	"time"
)

func TestTmpEff(t *testing.T) {
	for _, cr := range []float64{200000, 20000} {
		for _, f := range []float64{1, 1.5, 2, 3} {
			for _, d := range []Delays{Poisson, ExpDelay, CapDelay} {
				c := Config{Duration: 10 * time.Second, ConsumerRate: cr, Goal: DefaultGoal, Factor: f, Seed: 1, DispatcherDelays: d}
				st := time.Now()
				e, err := EffectiveRate(c, 0)
				fmt.Printf("C=%v f=%v %v: %+v  diff %.2f%% sat %.2f%% %v\n", cr, f, d, e, (e.Rate/e.ClosedForm-1)*100, (e.Saturated/e.ClosedForm-1)*100, time.Since(st))
				_ = err
			}
		}
	}
}
