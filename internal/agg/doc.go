// Package agg implements the aggregate functions of windows: the text of an
// aggregate as written in a pipeline file ("avg(bitrate_kbps)",
// "percentile(startup_ms, 0.95)", "sum(buffering_ms) / sum(play_ms)"), and
// the mergeable, serialisable state that accumulates one window's events.
//
// # Using it
//
// Parse (or ParseAll) turns each aggregate's text into a Spec against the
// input schema, resolving field names to slots once. NewLayout compiles the
// specs of one operator into a Layout: which state the window needs, with
// calls on the same field sharing it (sum(x), avg(x), min(x) and max(x) keep
// one running summary of x; two percentiles of x share one sketch). A Set is
// the state of one window of one key: Add feeds it events, Result writes one
// Value per spec, Merge folds another Set in, Reset empties it for reuse, and
// AppendBinary/UnmarshalBinary checkpoint it. A Pool recycles Sets, with
// their sketches, as windows open and close.
//
// # Functions
//
//	count()                  events in the window (int)
//	count(f)                 non-null values of f (int)
//	sum(f)                   int for int fields (wrapping at 64 bits), float for float fields
//	avg(f)                   float
//	min(f), max(f)           the field's kind; int, float, time, bool or string (byte order)
//	first(f), last(f)        the value at the smallest / largest event time (any kind)
//	count_distinct(f)        distinct values (int): exact up to 1024, then HyperLogLog
//	percentile(f, q)         approximate q-quantile, 0 <= q <= 1 (float), DDSketch
//	top_k(f, k)              the k most frequent values as "akamai:12,fastly:9" (string), k <= 1000
//
// Aggregates combine with numbers, + - * / and parentheses, evaluated when
// the result is taken: "sum(buffering_ms) / sum(play_ms)",
// "count_distinct(viewer_id) * 100 / count()". + - and * of ints are ints
// (wrapping); / always gives a float; a null operand or a division by zero
// gives null. Only numeric aggregates take part in arithmetic.
//
// # Nulls and empty windows
//
// Null values, and NaN float values, are skipped by every function except
// count(), which counts events. Over no values, count and count_distinct
// are 0 and every other function is null, as in SQL. A value whose kind
// differs from its field's is converted between the numeric kinds (int,
// float, time, bool); a string in a numeric field, or a number in a string
// field, counts as null.
//
// # Error bounds
//
// count, sum, avg, min, max, first and last are exact (float sums are
// rounded as float64 addition in arrival order, so merged sums may differ in
// the last bits).
//
// count_distinct is exact up to 1024 distinct values (ExactDistinct; it
// keeps their 64-bit hashes, so barring hash collisions). Past that it uses
// HyperLogLog with precision 14 (16384 registers, 16 KiB): the standard
// error is 1.04/sqrt(16384) ≈ 0.81%, so 99.7% of estimates are within 2.4%
// of the true count.
//
// percentile uses DDSketch with relative accuracy 1%: the result for q is
// within 1% of an exact q-quantile, the sorted value at index
// floor(q·(n−1)) (for negative values it may be the one at ceil(q·(n−1))).
// The sketch keeps at most 2048 bins per sign (16 KiB each at most), which
// covers magnitudes spanning 17 orders of magnitude; beyond that the bins
// nearest zero are merged and only the quantiles there lose accuracy. ±Inf
// is skipped.
//
// top_k is exact while the window holds at most C distinct values, where
// C = max(10·k, 100) is the number of counters it keeps (Space-Saving). With
// more distinct values than that, each reported count overestimates the true
// count by at most n/C (n values in the window), and every value occurring
// more than n/C times is guaranteed to be kept. Values are listed by
// descending count, ties in value order; each is followed by a colon and its
// count (the count follows the last colon, as values may contain colons).
//
// Merging Sets gives what adding all their events to one Set gives (as if
// the merged Set's events came after the receiver's), but for float
// rounding: merged sketches are the sketches of all the values (DDSketch
// bins add up, HyperLogLog registers take the maximum). The one exception
// is top_k past C distinct values, whose merged counts stay within
// (n1+n2)/C of the truth.
//
// # Cost
//
// Adding an event does not allocate, for any function, once a reused Set
// has grown its sketches and counter tables (a Pool keeps them across
// windows); count, sum, avg, min, max, first and last never allocate.
// Result allocates only top_k's string. Calls on one field share state, so
// avg(x), min(x) and max(x) cost about what one of them costs. A dense
// count_distinct result (past 1024 values) costs about 0.1 ms: the
// HyperLogLog estimator visits its 16384 registers.
//
// # Concurrency
//
// Specs and Layouts are immutable and may be shared by any number of
// goroutines. A Set or a Pool belongs to one goroutine (the window operator's
// actor) and is never locked.
package agg
