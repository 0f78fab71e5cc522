package ops

import (
	"fmt"
	"slices"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/expr"
)

// The join modes.
const (
	joinWindow   = "window"
	joinInterval = "interval"
	joinTable    = "table"
)

// The sides of a join, which are also its input ports.
const (
	leftSide  = 0
	rightSide = 1
)

// JoinSpec returns the spec of the join transform.
func JoinSpec() *component.Spec {
	return &component.Spec{
		Type: "join",
		Kind: component.KindTransform,
		Doc: "Joins two inputs, left (the first of `inputs`) and right (the second), on equal key values: " +
			"`left_key` and `right_key` pair up fields in order (int and float compare numerically; a null " +
			"key matches nothing). `mode: window` emits every pair of one key in the same tumbling or hopping " +
			"window when the watermark passes the window's end, sorted by key, then left time, then right time; " +
			"its time is the window's end minus 1ns. `mode: interval` emits a pair as soon as both events are " +
			"there, when the right time lies in [left time + `lower`, left time + `upper`] (and not after the " +
			"left's `until` field); its time is the later of the two. `mode: table` treats the right input as " +
			"a table holding the latest row of each key and joins each left event with its key's row as the " +
			"left event arrives (processing order decides, as in a regular join without event time); its time " +
			"is the left event's. Output rows hold all left fields then all right fields, each side's names " +
			"prefixed by `left_prefix` / `right_prefix`; the partition key is the hash of the left key values, " +
			"as key_by would compute it. Window and interval joins keep an event only while it can still " +
			"match: until the watermark passes its window's end, or its interval bound, plus `allowed_lateness`. " +
			"An event too late to be joined completely (its windows gone; in interval mode, more than " +
			"allowed_lateness behind the watermark) goes to the side output `late`, in the output's layout " +
			"with the other side's fields null. A table join holds one row per right key, within max_keys and " +
			"max_state, or until its ttl passes. " +
			"Partitioning: leave `key` unset and key_by each input upstream on its join fields (left on " +
			"`left_key`, right on `right_key`), or run the join with parallelism 1; a `key` of its own must " +
			"name fields present under the same names on both sides, equal to left_key and right_key.",
		Options: append([]component.Option{
			{Name: "mode", Type: component.Enum, Required: true, Enum: []string{joinWindow, joinInterval, joinTable},
				Doc: "How events are paired: `window` (equal keys in the same event-time window), `interval` " +
					"(right time within bounds around the left time) or `table` (each left event with the " +
					"latest right row of its key)."},
			{Name: "left_key", Type: component.StringList, Required: true,
				Doc: "Fields of the left input whose values must equal those of right_key, in order."},
			{Name: "right_key", Type: component.StringList, Required: true,
				Doc: "Fields of the right input, as many as left_key, of the same kinds (or int against float: " +
					"1 matches 1.0 but not 1.5)."},
			{Name: "left_prefix", Type: component.String, Default: "",
				Doc: "Prefix added to the name of every left field in the output. Needed (this or right_prefix) " +
					"when both inputs have a field of the same name."},
			{Name: "right_prefix", Type: component.String, Default: "",
				Doc: "Prefix added to the name of every right field in the output."},
			{Name: "window", Type: component.Enum, Enum: []string{windowTumbling, windowHopping},
				Doc: "Window mode: the window kind, `tumbling` (needs `size`) or `hopping` (needs `size` and `slide`), " +
					"assigned as by the window transform."},
			{Name: "size", Type: component.Duration, Doc: "Window mode: the window length."},
			{Name: "slide", Type: component.Duration,
				Doc: "Window mode, hopping: how far each window starts after the previous one; `size` must be a multiple of it, at most 10000 times."},
			{Name: "lower", Type: component.Duration, Default: time.Duration(0),
				Doc: "Interval mode: a right event matches when its time is at least the left time plus lower (may be negative)."},
			{Name: "upper", Type: component.Duration,
				Doc: "Interval mode: a right event matches when its time is at most the left time plus upper " +
					"(may be negative, not below lower). Required unless `until` is set."},
			{Name: "until", Type: component.String,
				Doc: "Interval mode: a time field of the left input; a right event matches only when its time " +
					"is at most that field's value (a left event with it null matches nothing). With `upper`, " +
					"both bounds apply."},
			{Name: "allowed_lateness", Type: component.Duration, Default: time.Duration(0),
				Doc: "Window and interval modes: how far behind the watermark an event may arrive and still be " +
					"joined; state is kept this much longer. In a window that already fired, a window join emits " +
					"the pairs such an event forms at once; an interval join joins it with every event it matches."},
			{Name: "outer", Type: component.Bool, Default: false,
				Doc: "Table mode: also emit left events whose key has no right row, with the right fields null."},
		}, stateOptions(stateDocs{
			entries: "stored rows (of both inputs; in table mode, the right rows of the table)",
			oldest: "the oldest entry: window mode, the rows of the key that entered the window that started first " +
				"before any other key (group by group, until a row held by no other window is freed; the pairs " +
				"they would form are not emitted); interval mode, the row whose time to be dropped comes first, " +
				"as if the watermark had passed it; table mode, the right row least recently updated, so left " +
				"events of its key find no row (or, outer, get nulls)",
			ttl: "Table mode: removes a right row not updated for this long, by processing time (the wall clock " +
				"at which events arrive: the table's input may stop, and event time with it), and counts it as " +
				"expired; left events of its key then find no row until a new one arrives. Rows are checked every " +
				"tenth of the ttl (from 10ms to 1s), so a row goes between ttl and ttl plus that period after its " +
				"last update. Unset (the default): rows stay, within max_keys and max_state. Window and interval " +
				"joins free their rows as the watermark passes them and take no ttl.",
		})...),
		Keyed:       true,
		MaxInputs:   2,
		SideOutputs: []string{"late"},
		New:         newJoin,
	}
}

// joinConf is a join's validated options, durations in nanoseconds.
type joinConf struct {
	mode     string
	window   windowConf // window mode
	lower    int64      // interval mode
	upper    int64
	hasUpper bool
	until    string
	lateness int64
	outer    bool // table mode
	state    stateConfig
}

func joinConfig(o component.Options) (joinConf, error) {
	c := joinConf{
		mode: o.String("mode"), lower: int64(o.Duration("lower")), upper: int64(o.Duration("upper")),
		hasUpper: o.Has("upper"), until: o.String("until"), lateness: int64(o.Duration("allowed_lateness")),
		outer: o.Bool("outer"), state: stateConf(o),
	}
	forbid := func(name string, set bool) error {
		if set {
			return component.OptErr(name, "%q is not used by %s joins", name, c.mode)
		}
		return nil
	}
	var errs []error
	switch c.mode {
	case joinWindow:
		switch kind := o.String("window"); kind {
		case windowTumbling, windowHopping:
			w, err := windowConfig(o)
			if err != nil {
				return c, err
			}
			c.window = w
		case "":
			return c, component.OptErr("window", "a window join needs \"window\": tumbling or hopping")
		default:
			return c, component.OptErr("window", "unknown window %q for a join (want tumbling or hopping)", kind)
		}
		errs = append(errs, forbid("lower", c.lower != 0), forbid("upper", c.hasUpper),
			forbid("until", c.until != ""), forbid("outer", c.outer), forbid("ttl", c.state.ttl != 0))
	case joinInterval:
		errs = append(errs, forbid("window", o.Has("window")), forbid("size", o.Duration("size") != 0),
			forbid("slide", o.Duration("slide") != 0), forbid("outer", c.outer), forbid("ttl", c.state.ttl != 0),
			checkStateDuration("lower", c.lower), checkStateDuration("upper", c.upper))
		if !c.hasUpper && c.until == "" {
			errs = append(errs, component.OptErr("upper", "an interval join needs \"upper\" or \"until\""))
		}
		if c.hasUpper && c.lower > c.upper {
			errs = append(errs, component.OptErr("lower", "lower %v is greater than upper %v", time.Duration(c.lower), time.Duration(c.upper)))
		}
	case joinTable:
		errs = append(errs, forbid("window", o.Has("window")), forbid("size", o.Duration("size") != 0),
			forbid("slide", o.Duration("slide") != 0), forbid("lower", c.lower != 0), forbid("upper", c.hasUpper),
			forbid("until", c.until != ""), forbid("allowed_lateness", c.lateness != 0))
	default:
		return c, component.OptErr("mode", "unknown mode %q (want window, interval or table)", c.mode)
	}
	if c.lateness < 0 {
		errs = append(errs, component.OptErr("allowed_lateness", "must not be negative, got %v", time.Duration(c.lateness)))
	}
	errs = append(errs, checkStateDuration("allowed_lateness", c.lateness))
	for _, err := range errs {
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

func newJoin(ctx *component.Context) (*component.Instance, error) {
	if len(ctx.Inputs) != 2 {
		return nil, fmt.Errorf("needs exactly 2 inputs (left, right), got %d", len(ctx.Inputs))
	}
	for i, in := range ctx.Inputs {
		if in == nil {
			return nil, fmt.Errorf("the schema of input %d is unknown", i+1)
		}
	}
	conf, err := joinConfig(ctx.Options)
	if err != nil {
		return nil, err
	}
	b, err := newJoinBase(ctx)
	if err != nil {
		return nil, err
	}
	untilSlot := -1
	if conf.until != "" {
		slot, ok := ctx.Inputs[leftSide].Slot(conf.until)
		if !ok {
			return nil, component.OptErr("until", "%s", expr.UnknownField(conf.until, ctx.Inputs[leftSide].Names()))
		}
		untilSlot = slot
		if k := ctx.Inputs[leftSide].Fields[untilSlot].Kind; k != event.Time {
			return nil, component.OptErr("until", "field %q is %s; it must be a time field", conf.until, k)
		}
	}
	schema, err := b.outputSchema(ctx)
	if err != nil {
		return nil, err
	}
	b.desc = joinDesc(conf, b, ctx.Inputs)
	var op component.Operator
	var entry int64
	switch conf.mode {
	case joinWindow:
		w := newWindowJoin(b, conf.window, ctx.Inputs)
		op, entry = w, max(w.rows[leftSide].base, w.rows[rightSide].base)
	case joinInterval:
		j := newIntervalJoin(b, conf, untilSlot, ctx.Inputs)
		op, entry = j, max(j.rows[leftSide].base, j.rows[rightSide].base)
	case joinTable:
		t := newTableJoin(b, conf, ctx)
		op, entry = t, t.rows.base
	}
	if b.lim, err = conf.state.limit(entry); err != nil {
		return nil, err
	}
	return &component.Instance{Operator: op, Schema: schema, SideSchemas: []*event.Schema{schema}}, nil
}

// joinBase is what every join mode shares: the key fields of each side,
// and how a pair of rows is laid out in the output.
type joinBase struct {
	slots  [2][]int // key slots of each side
	keys   [2][]string
	widths [2]int // slots of each input schema, the part of an event kept
	// norm marks key columns that join int with float: their ints sort as
	// floats when a window join orders its groups.
	norm []bool
	// checkKeys: parallel instances without a key of their own rely on
	// Event.Key, so each event's is checked against its join fields.
	checkKeys   bool
	parallelism int

	schema     uint32
	width      int      // output slots
	out        [2][]int // output slot of each input slot, per side
	contiguous bool     // out is 0..n-1 for left, then n..n+m-1 for right

	// lim bounds the stored rows, whatever the mode.
	lim *stateLimit

	desc string // what its checkpoint must have been written by
}

// StateStats returns the join's state figures (component.StateReporter).
func (b *joinBase) StateStats() component.StateStats { return b.lim.StateStats() }

func newJoinBase(ctx *component.Context) (*joinBase, error) {
	b := &joinBase{parallelism: ctx.Parallelism}
	for side, opt := range []string{"left_key", "right_key"} {
		names := ctx.Options.StringList(opt)
		if len(names) == 0 {
			return nil, component.OptErr(opt, "needs at least one field")
		}
		slots, err := resolve(opt, ctx.Inputs[side], names)
		if err != nil {
			return nil, err
		}
		b.slots[side], b.keys[side] = slots, slices.Clone(names)
		b.widths[side] = ctx.Inputs[side].Width()
	}
	if n, m := len(b.keys[leftSide]), len(b.keys[rightSide]); n != m {
		return nil, component.OptErr("right_key", "has %d fields but left_key has %d; they pair up in order", m, n)
	}
	b.norm = make([]bool, len(b.keys[leftSide]))
	for i := range b.norm {
		lk := ctx.Inputs[leftSide].Fields[b.slots[leftSide][i]].Kind
		rk := ctx.Inputs[rightSide].Fields[b.slots[rightSide][i]].Kind
		if lk == rk {
			continue
		}
		if !numeric(lk) || !numeric(rk) {
			return nil, component.OptErr("right_key", "field %q is %s but left_key field %q is %s; joined fields must be of the same kind (or int and float)",
				b.keys[rightSide][i], rk, b.keys[leftSide][i], lk)
		}
		b.norm[i] = true
	}
	if len(ctx.Key) > 0 && (!slices.Equal(ctx.Key, b.keys[leftSide]) || !slices.Equal(ctx.Key, b.keys[rightSide])) {
		return nil, component.OptErr("key", "a join's own key %q partitions both inputs by those field names, so it must equal left_key %q and right_key %q; "+
			"leave key unset and key_by each input on its join fields upstream instead", ctx.Key, b.keys[leftSide], b.keys[rightSide])
	}
	b.checkKeys = len(ctx.Key) == 0 && ctx.Parallelism > 1
	return b, nil
}

func numeric(k event.Kind) bool { return k == event.Int || k == event.Float }

// checkPort panics on a port a join does not have: the plan gives it two.
func checkPort(port int) {
	if port != leftSide && port != rightSide {
		panic(fmt.Sprintf("BUG: join got events on input port %d", port))
	}
}

// addSat is a+b clamped to the int64 range.
func addSat(a, b int64) int64 {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		if b > 0 {
			return event.MaxWatermark
		}
		return event.MinWatermark
	}
	return s
}
