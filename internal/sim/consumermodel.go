package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ConsumerModel says how the consumer's service time depends on how many
// requests it holds. The zero value is the linear consumer of the article:
// every service time is a plain draw from the consumer's delay process, so
// holding twice the requests takes exactly twice as long.
//
// With Knee > 0 the consumer is non-linear ("queue-depth:K[:P]"), as disks
// and NICs are: the service time of a request is
//
//	gap × (1 + ((n − 1) / K)^P)
//
// where gap is the draw from the consumer's delay process, n is the number of
// requests inside the consumer when that request's service starts (the
// request itself included), K is Knee and P is Power (default 2). A request
// served alone takes one plain gap; at n = K+1 each service takes twice as
// long. A service starts when the previous request completes, or, for an idle
// consumer, when the dispatcher's batch has landed (n is then the batch size).
type ConsumerModel struct {
	Knee  float64 // K; 0 means linear
	Power float64 // P; 0 means 2 when Knee > 0
}

// Linear reports whether the model is the plain linear consumer.
func (m ConsumerModel) Linear() bool { return m.Knee == 0 }

// power returns P with its default applied.
func (m ConsumerModel) power() float64 {
	if m.Power == 0 {
		return 2
	}
	return m.Power
}

// multiplier returns the service-time factor for a request whose service
// starts with n requests inside the consumer.
func (m ConsumerModel) multiplier(n int) float64 {
	x := float64(n-1) / m.Knee
	switch p := m.power(); p {
	case 1:
		return 1 + x
	case 2:
		return 1 + x*x
	default:
		return 1 + math.Pow(x, p)
	}
}

// String returns the command-line form: "linear", "queue-depth:K" or
// "queue-depth:K:P"; ParseConsumerModel reads it back to an equal value.
func (m ConsumerModel) String() string {
	if m.Linear() {
		return "linear"
	}
	s := "queue-depth:" + strconv.FormatFloat(m.Knee, 'g', -1, 64)
	if m.Power != 0 {
		s += ":" + strconv.FormatFloat(m.Power, 'g', -1, 64)
	}
	return s
}

// MarshalText implements encoding.TextMarshaler (JSON output).
func (m ConsumerModel) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (JSON input).
func (m *ConsumerModel) UnmarshalText(b []byte) error {
	v, err := ParseConsumerModel(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Validate reports a knee or power that is not a positive finite number.
func (m ConsumerModel) Validate() error {
	if m.Linear() {
		if m.Power != 0 {
			return fmt.Errorf("consumer model power %g needs a knee", m.Power)
		}
		return nil
	}
	if !(m.Knee > 0) || math.IsInf(m.Knee, 0) {
		return fmt.Errorf("consumer model knee %g: must be a positive number", m.Knee)
	}
	if p := m.power(); !(p > 0) || math.IsInf(p, 0) {
		return fmt.Errorf("consumer model power %g: must be a positive number", p)
	}
	return nil
}

// ParseConsumerModel parses "linear" or "queue-depth:K" or "queue-depth:K:P".
func ParseConsumerModel(s string) (ConsumerModel, error) {
	bad := func(why string) (ConsumerModel, error) {
		return ConsumerModel{}, fmt.Errorf("consumer model %q: %s (want linear, queue-depth:K or queue-depth:K:P)", s, why)
	}
	if s == "" || strings.EqualFold(s, "linear") {
		return ConsumerModel{}, nil
	}
	parts := strings.Split(s, ":")
	if !strings.EqualFold(parts[0], "queue-depth") {
		return bad("unknown model")
	}
	if len(parts) < 2 || len(parts) > 3 {
		return bad("wrong number of parameters")
	}
	var m ConsumerModel
	var err error
	if m.Knee, err = strconv.ParseFloat(parts[1], 64); err != nil || !(m.Knee > 0) || math.IsInf(m.Knee, 0) {
		return bad(fmt.Sprintf("knee %q is not a positive number", parts[1]))
	}
	if len(parts) == 3 {
		if m.Power, err = strconv.ParseFloat(parts[2], 64); err != nil || !(m.Power > 0) || math.IsInf(m.Power, 0) {
			return bad(fmt.Sprintf("power %q is not a positive number", parts[2]))
		}
	}
	return m, nil
}
