package event

import "math"

// Control records travel through rings in band with events, so that they
// keep their place in the stream. They carry a reserved schema id that the
// registry never hands out, and the runtime consumes them: operators never
// see one in a batch.
const (
	// WatermarkSchema marks a watermark: no event with an event time at or
	// below Time is expected any more on this edge (beyond allowed
	// lateness). Time == MaxWatermark means the stream has ended.
	WatermarkSchema uint32 = math.MaxUint32
	// IdleSchema marks an input that has gone quiet: downstream operators
	// leave it out of their watermark until it sends again.
	IdleSchema uint32 = math.MaxUint32 - 1
	// BarrierSchema marks a checkpoint barrier: every event before it is
	// in checkpoint Time (its id), none after.
	BarrierSchema uint32 = math.MaxUint32 - 2
	// MaxWatermark is the watermark of a finished stream.
	MaxWatermark int64 = math.MaxInt64
	// MinWatermark is the watermark before anything is known.
	MinWatermark int64 = math.MinInt64
)

// IsControl reports whether e is a control record rather than an event.
func (e *Event) IsControl() bool { return e.Schema >= BarrierSchema }
