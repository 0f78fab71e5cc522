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
// Every keyed operator (count, aggregate, over, window, join) bounds its
// state with the options stateOptions declares once for all of them:
// max_keys (keys, key entries of windows, or rows of joins), max_state (an
// estimate of the bytes held, kept up to date as entries come and go) and
// when_state_full (fail, the default, or evict_oldest); count, aggregate
// and table joins also take a ttl. stateLimit enforces them and counts
// evictions and expiries; recency orders keys by their last update for
// eviction and ttl at the cost of one sequential write per update, and only
// when one of them is asked for. Each keyed operator implements
// component.StateReporter.
//
// Every keyed operator implements component.Checkpointer (checkpoint.go),
// so its state survives restarts when the pipeline runs with a state
// directory. Snapshot writes the whole state — keys and aggregate sets, open
// windows and sessions with their timers, join rows and expiries, over's
// rows and waiting events, the watermark, the recency order and the
// eviction and expiry counters, emit: interval's changed keys and last emit —
// as one versioned, checksummed blob that describes the configuration it
// fits (type, key, aggregate layout, window geometry, join mode and
// bounds). Restore installs it into a new instance, which then emits
// exactly what the snapshotted one would have, or refuses a blob of another
// configuration (ErrStateMismatch) or a corrupt one (ErrStateCorrupt) and
// keeps the instance empty. Snapshot only reads; nothing on the per-event
// path works for it.
//
// Operators are owned by one actor and called from one goroutine at a time;
// StateStats is the one method safe to call from other goroutines.
package ops
