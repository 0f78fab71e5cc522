package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Report is the JSON form of a Result: one flat object, times in seconds,
// rates in requests per second (over the time the run simulated, RanS,
// which is less than DurationS when it was capped).
type Report struct {
	DurationS        float64       `json:"duration_s"`
	Seed             uint64        `json:"seed"`
	ProducerDelays   Delays        `json:"producer_delays"`
	ProducerRate     float64       `json:"producer_rate"`
	DispatcherDelays Delays        `json:"dispatcher_delays"`
	GoalS            float64       `json:"goal_s"`
	Factor           float64       `json:"factor"`
	Limit            int           `json:"limit"`
	ConsumerDelays   Delays        `json:"consumer_delays"`
	ConsumerRate     float64       `json:"consumer_rate"`
	ConsumerModel    ConsumerModel `json:"consumer_model"`
	QueueCap         int           `json:"queue_cap"`
	Produced         int64         `json:"produced"`
	Dispatched       int64         `json:"dispatched"`
	Completed        int64         `json:"completed"`
	ProducedPerS     float64       `json:"produced_per_s"`
	CompletedPerS    float64       `json:"completed_per_s"`
	MaxQueue         int           `json:"max_queue"`
	FinalQueue       int           `json:"final_queue"`
	MaxInConsumer    int           `json:"max_in_consumer"`
	FinalInConsumer  int           `json:"final_in_consumer"`
	QueueGrowthPerS  float64       `json:"queue_growth_per_s"`
	Bounded          bool          `json:"bounded"`
	Capped           bool          `json:"capped"`
	RanS             float64       `json:"ran_s"`
	Latency          Latency       `json:"latency_s"`
	ConsumerLatency  Latency       `json:"consumer_latency_s"`
}

// Report returns r in its JSON form.
func (r Result) Report() Report {
	c := r.Config
	secs := c.Duration.Seconds()
	ran := secs
	if r.Capped {
		ran = max(r.Ran.Seconds(), 1e-9)
	}
	return Report{
		DurationS:        secs,
		Seed:             c.Seed,
		ProducerDelays:   c.ProducerDelays,
		ProducerRate:     c.ProducerRate,
		DispatcherDelays: c.DispatcherDelays,
		GoalS:            c.Goal.Seconds(),
		Factor:           c.Factor,
		Limit:            r.Limit,
		ConsumerDelays:   c.ConsumerDelays,
		ConsumerRate:     c.ConsumerRate,
		ConsumerModel:    c.ConsumerModel,
		QueueCap:         c.queueCap(),
		Produced:         r.Produced,
		Dispatched:       r.Dispatched,
		Completed:        r.Completed,
		ProducedPerS:     float64(r.Produced) / ran,
		CompletedPerS:    float64(r.Completed) / ran,
		MaxQueue:         r.MaxQueue,
		FinalQueue:       r.FinalQueue,
		MaxInConsumer:    r.MaxInConsumer,
		FinalInConsumer:  r.FinalInConsumer,
		QueueGrowthPerS:  r.Growth,
		Bounded:          r.Bounded,
		Capped:           r.Capped,
		RanS:             ran,
		Latency:          r.Total,
		ConsumerLatency:  r.InConsumer,
	}
}

// WriteJSON writes r as one JSON object on one line.
func WriteJSON(w io.Writer, r Result) error {
	b, err := json.Marshal(r.Report())
	if err != nil {
		return fmt.Errorf("cannot encode the simulation result: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteText writes r for people: the setup and counts, then the latency
// table in seconds in the article's layout (mean | p95 | p99 | max). A
// capped run says so on its first and its queue line.
func WriteText(w io.Writer, r Result) error {
	p := r.Report()
	bound := "bounded"
	if !p.Bounded {
		bound = "growing"
	}
	if p.Capped {
		bound = fmt.Sprintf("capped at %d requests held", p.QueueCap)
		if _, err := fmt.Fprintf(w, "capped       the run stopped at %s s of %s s: it held %d requests, its cap\n",
			sec(p.RanS), num(p.DurationS), p.QueueCap); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, `duration     %s s, seed %d
producer     %s at %s/s: produced %d (%s/s)
dispatcher   %s every %s s, factor %s, limit %d requests: dispatched %d
consumer     %s at %s/s, %s: completed %d (%s/s)
queue        max %d, final %d, %s (%s requests/s)
in consumer  max %d, final %d

latency (s)  | %-10s| %-10s| %-10s| %-10s|
total        | %-10s| %-10s| %-10s| %-10s|
in consumer  | %-10s| %-10s| %-10s| %-10s|
`,
		num(p.DurationS), p.Seed,
		p.ProducerDelays, num(p.ProducerRate), p.Produced, num(p.ProducedPerS),
		p.DispatcherDelays, num(p.GoalS), num(p.Factor), p.Limit, p.Dispatched,
		p.ConsumerDelays, num(p.ConsumerRate), p.ConsumerModel, p.Completed, num(p.CompletedPerS),
		p.MaxQueue, p.FinalQueue, bound, signed(p.QueueGrowthPerS),
		p.MaxInConsumer, p.FinalInConsumer,
		"mean", "p95", "p99", "max",
		sec(p.Latency.Mean), sec(p.Latency.P95), sec(p.Latency.P99), sec(p.Latency.Max),
		sec(p.ConsumerLatency.Mean), sec(p.ConsumerLatency.P95), sec(p.ConsumerLatency.P99), sec(p.ConsumerLatency.Max),
	)
	return err
}

// num formats a count-like or configured value with up to 7 significant
// digits and no exponent below a million.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 7, 64) }

// signed formats a growth rate with its sign.
func signed(v float64) string {
	s := strconv.FormatFloat(v, 'g', 4, 64)
	if v >= 0 {
		return "+" + s
	}
	return s
}

// sec formats a latency in seconds with four significant digits, as many
// as the histogram resolves.
func sec(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
