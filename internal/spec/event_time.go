package spec

import "time"

// EventTime configures how a source's watermarks follow its event times.
type EventTime struct {
	// MaxOutOfOrderness bounds how far behind the latest event time seen an
	// event may arrive: the watermark is the latest time minus this bound.
	MaxOutOfOrderness time.Duration
	// IdleTimeout marks the source idle after this long (wall time)
	// without events, so that its silence does not hold back downstream
	// watermarks; 0 never marks it idle.
	IdleTimeout time.Duration
	// Pos is the position of the `event_time:` value, or of the component.
	Pos Pos
}
