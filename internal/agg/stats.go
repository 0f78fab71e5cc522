package agg

import (
	"math"

	"github.com/greenwave/greenwave/internal/event"
)

// stat is the running summary of one field shared by count(f), sum(f),
// avg(f), min(f) and max(f): the number of non-null values, their sum, and
// the least and greatest. Which of lo/hi, isum/fsum and slo/shi are used
// depends on kind: Float uses the float fields, String the string fields,
// and Int, Time and Bool the int fields.
type stat struct {
	field
	// bounds is set when min or max is asked for; without it a string
	// field's values are only counted.
	bounds bool
	n      int64
	isum   int64
	fsum   float64
	lo, hi int64
	flo    float64
	fhi    float64
	slo    string
	shi    string
}

// add folds v, the value of the stat's field in one event, in.
func (st *stat) add(v event.Value) {
	if v = prep(v, st.kind); v.Kind == event.Null {
		return
	}
	switch st.kind {
	case event.Float:
		f := math.Float64frombits(v.N)
		st.fsum += f
		if st.n == 0 {
			st.flo, st.fhi = f, f
		} else {
			st.flo, st.fhi = min(st.flo, f), max(st.fhi, f)
		}
	case event.String:
		if !st.bounds {
			break
		}
		if st.n == 0 {
			st.slo, st.shi = v.S, v.S
		} else {
			st.slo, st.shi = min(st.slo, v.S), max(st.shi, v.S)
		}
	case event.Null: // an untyped field: only count(f) reads the summary
	default:
		x := int64(v.N)
		st.isum += x
		if st.n == 0 {
			st.lo, st.hi = x, x
		} else {
			st.lo, st.hi = min(st.lo, x), max(st.hi, x)
		}
	}
	st.n++
}

// merge folds o, a summary of the same field, in.
func (st *stat) merge(o *stat) {
	if o.n == 0 {
		return
	}
	if st.n == 0 {
		*st = *o
		return
	}
	st.n += o.n
	st.isum += o.isum
	st.fsum += o.fsum
	st.lo, st.hi = min(st.lo, o.lo), max(st.hi, o.hi)
	st.flo, st.fhi = min(st.flo, o.flo), max(st.fhi, o.fhi)
	st.slo, st.shi = min(st.slo, o.slo), max(st.shi, o.shi)
}

// reset empties the summary, keeping its field.
func (st *stat) reset() { *st = stat{field: st.field, bounds: st.bounds} }

// result returns what f (count, sum, avg, min or max) reports.
func (st *stat) result(f Func) event.Value {
	if f == Count {
		return event.IntValue(st.n)
	}
	if st.n == 0 {
		return event.Value{}
	}
	switch f {
	case Sum:
		if st.kind == event.Float {
			return event.FloatValue(st.fsum)
		}
		return event.IntValue(st.isum)
	case Avg:
		if st.kind == event.Float {
			return event.FloatValue(st.fsum / float64(st.n))
		}
		return event.FloatValue(float64(st.isum) / float64(st.n))
	case Min:
		return st.bound(st.lo, st.flo, st.slo)
	case Max:
		return st.bound(st.hi, st.fhi, st.shi)
	}
	panic("BUG: agg: stat asked for " + f.String())
}

// bound returns the least or greatest value as a Value of the field's kind.
func (st *stat) bound(i int64, f float64, s string) event.Value {
	switch st.kind {
	case event.Float:
		return event.FloatValue(f)
	case event.String:
		return event.StringValue(s)
	}
	return event.Value{Kind: st.kind, N: uint64(i)}
}
