package connect

import (
	"errors"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/inbox"
)

// ackDurable is the `ack` value of the http and tcp sources that answers
// a client only once a committed checkpoint holds its events.
const ackDurable = "durable"

// errSourceStopping is why a stopping source's durable waits end: no
// checkpoint is taken while a tenant stops.
var errSourceStopping = errors.New("the source stopped before a checkpoint held them")

// durableOptions are the options of `ack: durable` that the http and tcp
// sources share; unit names what ack_max_waiting counts, and waiting is
// its default.
func durableOptions(unit string, waiting int64, whenFull string) []component.Option {
	return []component.Option{
		{Name: "ack_timeout", Type: component.Duration, Default: 30 * time.Second, HasMin: true, Min: float64(time.Millisecond),
			Doc: "With `ack: durable`, how long " + unit + " wait for a checkpoint holding their events to commit, counted " +
				"from when the events are queued. It must be longer than the checkpoint interval. Past it the client is told that the " +
				"events were accepted but are not known to be durable (a checkpoint may still commit them), and the wait is counted."},
		{Name: "ack_max_waiting", Type: component.Count, Default: waiting, HasMin: true, Min: 1,
			Doc: "With `ack: durable`, the most " + unit + " that may wait for a checkpoint at once; " + whenFull +
				" Every " + unit[:len(unit)-1] + " waits up to a checkpoint interval, so the source takes at most about " +
				"ack_max_waiting " + unit + " per interval: size it to the rate times the interval, or checkpoint more often."},
	}
}

// durableSetup is what a source with `ack: durable` reads from its options.
type durableSetup struct {
	timeout  time.Duration
	interval time.Duration // the checkpoint interval (1s when unknown)
	waiting  int
}

// readDurable checks that `ack: durable` can work in this run: the run
// must checkpoint the tenant, and ack_timeout must outlast a checkpoint
// interval. Problems are recorded on r at ackAt and ack_timeout.
func readDurable(r *component.Reader, ctx *component.Context, ackAt component.Path) durableSetup {
	d := durableSetup{timeout: r.Duration("ack_timeout"), waiting: int(r.Int("ack_max_waiting")), interval: time.Second}
	switch ctx.Checkpoints {
	case component.CheckpointsOff:
		r.Fail(ackAt, "%q answers a client only once a checkpoint holding its events has committed, and this run keeps "+
			"no checkpoints: run with --state-dir (or use the default ack)", ackDurable)
	case component.CheckpointsOn:
		d.interval = ctx.CheckpointInterval
		if d.timeout <= d.interval {
			r.Fail(r.At("ack_timeout"), "%v is not longer than the checkpoint interval (%v): a client would be told of "+
				"a timeout before a checkpoint could hold its events", d.timeout, d.interval)
		}
	}
	return d
}

// commits returns the Commits of a source with ack_max_waiting waits.
func (d durableSetup) commits() *inbox.Commits { return inbox.NewCommits(d.waiting) }
