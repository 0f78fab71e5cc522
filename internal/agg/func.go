package agg

import (
	"strconv"

	"github.com/greenwave/greenwave/internal/event"
)

// Func identifies an aggregate function. The zero Func is invalid.
type Func uint8

// The aggregate functions, as named in pipeline files by String.
const (
	Count Func = iota + 1
	Sum
	Avg
	Min
	Max
	First
	Last
	CountDistinct
	Percentile
	TopK
)

// kindSet is a set of event kinds, one bit per kind.
type kindSet uint8

func kinds(ks ...event.Kind) kindSet {
	var s kindSet
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

func (s kindSet) has(k event.Kind) bool { return s&(1<<k) != 0 }

var (
	anyKind     = kinds(event.Null, event.Bool, event.Int, event.Float, event.String, event.Time)
	numberKinds = kinds(event.Int, event.Float)
	orderKinds  = kinds(event.Bool, event.Int, event.Float, event.String, event.Time)
)

// funcInfo describes how a function is called and what it accepts.
type funcInfo struct {
	name string
	// usage is the call form shown in arity errors.
	usage string
	// fieldOptional: the field argument may be left out (count()).
	fieldOptional bool
	// param names the number after the field ("" when there is none).
	param string
	// fieldKinds are the field kinds the function accepts; kindsText
	// names them in errors.
	fieldKinds kindSet
	kindsText  string
}

var funcs = [...]funcInfo{
	Count:         {name: "count", usage: "count() or count(field)", fieldOptional: true, fieldKinds: anyKind},
	Sum:           {name: "sum", usage: "sum(field)", fieldKinds: numberKinds, kindsText: "an int or float"},
	Avg:           {name: "avg", usage: "avg(field)", fieldKinds: numberKinds, kindsText: "an int or float"},
	Min:           {name: "min", usage: "min(field)", fieldKinds: orderKinds, kindsText: "an int, float, time, bool or string"},
	Max:           {name: "max", usage: "max(field)", fieldKinds: orderKinds, kindsText: "an int, float, time, bool or string"},
	First:         {name: "first", usage: "first(field)", fieldKinds: anyKind},
	Last:          {name: "last", usage: "last(field)", fieldKinds: anyKind},
	CountDistinct: {name: "count_distinct", usage: "count_distinct(field)", fieldKinds: anyKind},
	Percentile:    {name: "percentile", usage: "percentile(field, q)", param: "quantile", fieldKinds: numberKinds, kindsText: "an int or float"},
	TopK:          {name: "top_k", usage: "top_k(field, k)", param: "k", fieldKinds: orderKinds, kindsText: "a typed"},
}

// String returns the function's name as written in pipeline files.
func (f Func) String() string {
	if f >= Count && int(f) < len(funcs) {
		return funcs[f].name
	}
	return "func(" + strconv.Itoa(int(f)) + ")"
}

// lookupFunc returns the function with the given name.
func lookupFunc(name string) (Func, bool) {
	for f := Count; int(f) < len(funcs); f++ {
		if funcs[f].name == name {
			return f, true
		}
	}
	return 0, false
}

// funcNames lists the function names in declaration order.
func funcNames() []string {
	names := make([]string, 0, len(funcs)-1)
	for f := Count; int(f) < len(funcs); f++ {
		names = append(names, funcs[f].name)
	}
	return names
}

// resultKind is the kind of f's result over a field of kind field.
func resultKind(f Func, field event.Kind) event.Kind {
	switch f {
	case Count, CountDistinct:
		return event.Int
	case Avg, Percentile:
		return event.Float
	case TopK:
		return event.String
	}
	return field // sum, min, max, first, last
}

// Limits on the parameters.
const (
	// MaxK bounds k in top_k(field, k).
	MaxK = 1000
	// minTopCounters is the least number of counters a top_k state keeps.
	minTopCounters = 100
	// topCountersPerK is how many counters a top_k state keeps per
	// requested value.
	topCountersPerK = 10
)

// topCapacity is the number of Space-Saving counters kept for top_k(f, k).
func topCapacity(k int) int { return max(topCountersPerK*k, minTopCounters) }
