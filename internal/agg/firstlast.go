package agg

import "github.com/greenwave/greenwave/internal/event"

// edge holds the first and last non-null value of one field by event time,
// shared by first(f) and last(f). Of events with equal times, the first
// keeps the earliest arrival and the last takes the latest.
type edge struct {
	field
	has    bool
	ft, lt int64 // event times of fv and lv
	fv, lv event.Value
}

// add folds v, the value of the field in an event at time t, in.
func (ed *edge) add(v event.Value, t int64) {
	if v = prep(v, ed.kind); v.Kind == event.Null {
		return
	}
	if !ed.has {
		ed.has = true
		ed.ft, ed.fv, ed.lt, ed.lv = t, v, t, v
		return
	}
	if t < ed.ft {
		ed.ft, ed.fv = t, v
	}
	if t >= ed.lt {
		ed.lt, ed.lv = t, v
	}
}

// merge folds o in as if o's events arrived after the receiver's.
func (ed *edge) merge(o *edge) {
	if !o.has {
		return
	}
	if !ed.has {
		*ed = *o
		return
	}
	if o.ft < ed.ft {
		ed.ft, ed.fv = o.ft, o.fv
	}
	if o.lt >= ed.lt {
		ed.lt, ed.lv = o.lt, o.lv
	}
}

func (ed *edge) reset() { *ed = edge{field: ed.field} }

// result returns what first or last reports: null when no value was seen.
func (ed *edge) result(f Func) event.Value {
	if f == First {
		return ed.fv
	}
	return ed.lv
}
