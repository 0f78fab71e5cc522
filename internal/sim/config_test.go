package sim

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestConfigErrors(t *testing.T) {
	good := uniformConfig(time.Second, 10_000)
	for _, c := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"limit below one", func(c *Config) { c.ConsumerRate = 1000; c.Goal = 100 * time.Microsecond }, "dispatch limit 0.15 requests"},
		{"negative producer rate", func(c *Config) { c.ProducerRate = -5 }, "producer rate -5"},
		{"zero consumer rate", func(c *Config) { c.ConsumerRate = 0 }, "consumer rate 0"},
		{"zero duration", func(c *Config) { c.Duration = 0 }, "duration 0s"},
		{"too long", func(c *Config) { c.Duration = MaxDuration + 1 }, "must be above 0 and at most"},
		{"zero goal", func(c *Config) { c.Goal = 0 }, "latency goal 0s"},
		{"NaN factor", func(c *Config) { c.Factor = math.NaN() }, "goal factor NaN"},
		{"unknown delays", func(c *Config) { c.DispatcherDelays = 9 }, "unknown delay process 9"},
		{"bad model", func(c *Config) { c.ConsumerModel = ConsumerModel{Knee: -1} }, "knee -1"},
	} {
		cfg := good
		c.edit(&cfg)
		_, err := Run(cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := Run(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
}
