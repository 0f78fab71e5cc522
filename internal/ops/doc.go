// Package ops implements greenwave's built-in transforms: filter, map,
// key_by, count, window and join. Specs returns their specs for the catalog.
//
// Each transform reads its options through a component.Reader (defaults
// and bounds from its Spec), resolves the fields it reads to slots of its
// input schema once, in New, and reports unknown fields and bad expressions
// there as *component.OptionError values at the option, map entry or list
// element at fault (wrapping an *expr.Error for expressions, so the loader
// can point at the column). The per-event work reads and writes
// slots only: filter, map and key_by allocate nothing per event, and count
// allocates only when it meets a new key.
//
// filter, map and key_by are stateless and implement component.InPlace, so a
// fused chain rewrites a batch where it lies; their Process gives the same
// results by copying into the output. count, window and join are keyed:
// each parallel instance holds the state of the keys of its partition.
// window and join act on event time (component.WatermarkAware): they emit
// what a watermark completes and free the state it makes unreachable.
//
// Operators are owned by one actor and called from one goroutine at a time.
package ops
