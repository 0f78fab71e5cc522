package spec

import (
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// CommonOptions returns the keys every component may have besides its
// type's own options, declared once for every type: the parser converts
// buffer, event_time and parallelism by these declarations (type, inputs
// and key have rules of their own), and the reference docs list them.
func CommonOptions() []component.Option {
	return []component.Option{
		{Name: "type", Type: component.String, Required: true,
			Doc: "The component's type: a source, transform or sink type listed below."},
		{Name: "inputs", Type: component.StringList,
			Doc: "Transforms and sinks (required): the components read from, in order (a join's first input is its " +
				"left side). `name.output` reads a side output, such as `clicks.dead_letter`."},
		{Name: "buffer", Type: component.Object,
			Doc: "Transforms and sinks: the ring buffer of each of the component's input edges.",
			Options: []component.Option{
				{Name: "capacity", Type: component.Count, Default: int64(DefaultBufferCapacity),
					HasMin: true, Min: 1, HasMax: true, Max: MaxBufferCapacity,
					Doc: "Events the ring holds, rounded up to a power of two; a count such as 4096 or `64Ki`."},
				{Name: "when_full", Type: component.Enum, Default: WhenFullBlock,
					Enum: []string{WhenFullBlock, WhenFullDropNewest, WhenFullDropOldest},
					Doc: "What a producer does when the ring is full. `block`: it waits (lossless backpressure). " +
						"`drop_newest`: the event being written is dropped. `drop_oldest`: the oldest unread event " +
						"is overwritten. Every drop is counted, and the consumer sees the gap in the edge's " +
						"sequence numbers."},
			}},
		{Name: "key", Type: component.StringList,
			Doc: "Keyed transforms: the fields whose values partition the input over `parallelism` instances " +
				"and group it. Left out, the key an upstream `key_by` set is used."},
		{Name: "parallelism", Type: component.Int, Default: int64(1), HasMin: true, Min: 1, HasMax: true, Max: MaxParallelism,
			Doc: "Keyed transforms: how many instances share the input, each event going to the instance of " +
				"hash(key). Parallel sources (generate's sequence profile): how many instances interleave the stream."},
		{Name: "event_time", Type: component.Object,
			Doc: "Sources: how the source's watermark follows the event times it reads. The watermark is the " +
				"latest event time read minus `max_out_of_orderness`.",
			Options: []component.Option{
				{Name: "max_out_of_orderness", Type: component.Duration, Default: time.Duration(0), HasMin: true,
					Doc: "How far behind the latest event time an event may arrive and still be on time."},
				{Name: "idle_timeout", Type: component.Duration, Default: time.Duration(0), HasMin: true,
					Doc: "After this long without events (wall time) the source is idle: downstream watermarks " +
						"leave it out until it sends again. 0: never idle."},
			}},
	}
}

// commonOptions is CommonOptions, built once for the parser (read-only).
var commonOptions = CommonOptions()

// common returns the declaration of a common key.
func common(name string) *component.Option {
	o := findOption(commonOptions, name)
	if o == nil {
		panic("BUG: common key " + name + " is not declared")
	}
	return o
}

// buffer parses `buffer: {capacity, when_full}`.
func (l *loader) buffer(c *Component, s *scope, e entry) {
	c.Buffer.Pos = l.pos(e.value)
	if c.Kind == component.KindSource {
		l.errorf(e.keyPos, c.Desc(), `sources have no input buffer; set "buffer" on the components that read from this one`)
		return
	}
	v, ok := l.convert(s, common("buffer"), component.At("buffer"), e.value)
	if !ok {
		return
	}
	o := v.(component.Options)
	c.Buffer.Capacity = int(o.Int("capacity"))
	c.Buffer.WhenFull = o.String("when_full")
}

// eventTime parses a source's `event_time: {max_out_of_orderness, idle_timeout}`.
func (l *loader) eventTime(c *Component, s *scope, e entry) {
	c.EventTime.Pos = l.pos(e.value)
	if c.Kind != component.KindSource {
		l.errorf(e.keyPos, c.Desc(), `"event_time" is only for sources; it sets how their watermarks follow event time`)
		return
	}
	v, ok := l.convert(s, common("event_time"), component.At("event_time"), e.value)
	if !ok {
		return
	}
	o := v.(component.Options)
	c.EventTime.MaxOutOfOrderness = o.Duration("max_out_of_orderness")
	c.EventTime.IdleTimeout = o.Duration("idle_timeout")
}
