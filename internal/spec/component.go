package spec

import (
	"strconv"

	"github.com/greenwave/greenwave/internal/component"
)

// Component is one named source, transform or sink of a pipeline file.
type Component struct {
	Name string
	Kind component.Kind
	// Type is the `type:` value; Spec is its spec in the catalog, or nil
	// when the type is missing or unknown (which Parse reports).
	Type string
	Spec *component.Spec
	// Inputs lists the `inputs:` entries in file order (none for sources).
	Inputs []Input
	// Options holds the component's own options, checked against Spec,
	// converted to the Go types component.OptionType names, and defaulted.
	Options component.Options
	// Buffer configures the ring buffers of the component's input edges.
	Buffer Buffer
	// EventTime configures a source's watermarks (zero: watermarks follow
	// the latest event time exactly, and the source is never idle).
	EventTime EventTime
	// Parallelism is the number of parallel instances of a keyed component:
	// 1 unless `parallelism:` says otherwise.
	Parallelism int
	// Key lists the key fields of a keyed component (nil when not set);
	// KeyPos is the position of the `key:` value.
	Key    []string
	KeyPos Pos
	// Pos is the position of the component's name; TypePos that of its
	// `type:` value (Pos when absent).
	Pos     Pos
	TypePos Pos

	// valuePos holds the position of the value of every key the component
	// sets (options and common keys alike).
	valuePos map[string]Pos
}

// OptionPos returns the position of the value of the named key (an option,
// or one of type, inputs, buffer, key, parallelism), or the component's
// position when the key is absent. The compiler uses it to report problems
// found later (for example a component.OptionError from Spec.New) at the
// right place.
func (c *Component) OptionPos(name string) Pos {
	if p, ok := c.valuePos[name]; ok {
		return p
	}
	return c.Pos
}

// Desc describes the component for messages: `transform "plays"`.
func (c *Component) Desc() string { return c.Kind.String() + " " + strconv.Quote(c.Name) }

// SideOutput returns the index in Spec.SideOutputs of the named side
// output, or -1 when the component has no such side output (or no Spec).
func (c *Component) SideOutput(name string) int {
	if c.Spec == nil {
		return -1
	}
	for i, s := range c.Spec.SideOutputs {
		if s == name {
			return i
		}
	}
	return -1
}

// Input is one entry of a component's `inputs:`: the component read from
// and which of its outputs.
type Input struct {
	Component string
	// Output is the side output read, or "" for the main output.
	Output string
	Pos    Pos
}

// String returns the reference as written: "name" or "name.output".
func (in Input) String() string {
	if in.Output == "" {
		return in.Component
	}
	return in.Component + "." + in.Output
}

// Buffer configures the ring buffers of a component's input edges.
type Buffer struct {
	// Capacity is the number of events a ring holds, in
	// [1, MaxBufferCapacity]; the runtime rounds it up to a power of two.
	Capacity int
	// WhenFull is the overflow policy: WhenFullBlock, WhenFullDropNewest or
	// WhenFullDropOldest.
	WhenFull string
	// Pos is the position of the `buffer:` value, or of the component when
	// absent.
	Pos Pos
}

// Buffer defaults and limits, and the overflow policies.
const (
	DefaultBufferCapacity = 4096
	MaxBufferCapacity     = 1 << 24

	// WhenFullBlock makes the producer wait: lossless backpressure.
	WhenFullBlock = "block"
	// WhenFullDropNewest drops the event being written; the consumer sees
	// the gap in sequence numbers.
	WhenFullDropNewest = "drop_newest"
	// WhenFullDropOldest overwrites the oldest unread event.
	WhenFullDropOldest = "drop_oldest"

	// MaxParallelism bounds `parallelism:`.
	MaxParallelism = 1024
)

var whenFullPolicies = []string{WhenFullBlock, WhenFullDropNewest, WhenFullDropOldest}
