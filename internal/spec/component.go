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
	// Options holds the component's own options, checked against Spec and
	// converted to the Go types component.OptionType names; absent ones
	// read as their Spec defaults.
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

	// pos holds the position of every value the component sets: options,
	// common keys, and every nested key, map entry and list element.
	pos positions
	// invalid is set when Parse reported a problem with the component.
	invalid bool
}

// Valid reports whether Parse found the component free of problems: its
// type known, every key and option value good, every input resolved and
// no cycle through it. Only a valid component can be built.
func (c *Component) Valid() bool { return !c.invalid && c.Spec != nil }

// OptionPos returns the position of the value of the named key (an option,
// or one of type, inputs, buffer, key, parallelism), or the component's
// position when the key is absent.
func (c *Component) OptionPos(name string) Pos { return c.PathPos(component.At(name)) }

// PathPos returns the position of the value at p (an option, a nested key,
// a map entry, a list element), or of the closest enclosing value given,
// or the component's position when p's option is absent. The compiler uses
// it to report problems found later (a component.OptionError from
// Spec.New) at the right place.
func (c *Component) PathPos(p component.Path) Pos {
	if pos, ok := c.pos.Path(p); ok {
		return pos
	}
	return c.Pos
}

// TextPos returns the file position of line:col (1-based, col in runes)
// inside the text of the scalar value at p, such as the place of an error
// in an expression. It is false when the text cannot be placed there: the
// value is not a scalar written in place, or the line is beyond the first
// of a text whose lines are not the file's (only literal block scalars,
// "|", keep them).
func (c *Component) TextPos(p component.Path, line, col int) (Pos, bool) {
	return c.pos.Text(p, line, col)
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
