// Package ring provides Ring, the bounded buffer on every edge of a
// greenwave DAG: preallocated slots, batch claim/publish on the producer
// side, batch poll/release on the consumer side, and a per-edge overflow
// policy (block, drop_newest, drop_oldest) with sequence numbers so a
// consumer sees exactly where events were lost.
//
// # Positions and sequence numbers
//
// A position is a slot's index counted from the start of the stream
// (pos & (Cap-1) picks the slot). A sequence number is the event's number on
// the edge: every published event and every dropped event consumes one, so
// under a drop policy the consumer sees gaps in Seq while positions stay
// contiguous.
//
// # Slots
//
// A slot is vals[i] with its sequence number in seqs[i], two preallocated
// parallel arrays. Keeping the numbers beside rather than inside T lets a
// polled batch be handed to operators as a plain []T (Segment) with no copy;
// the producer writes a batch's numbers in one pass at Publish.
//
// # Ownership of a slot
//
// The producer owns the slots it claimed until it publishes them; the
// consumer owns the slots it polled until it releases them. Nobody else touches a slot in between,
// so T needs no synchronisation of its own, and slots keep their contents
// between laps so inner slices (event.Event.Fields) are reused instead of
// reallocated.
//
// # Layout
//
// The fields each side writes sit on their own 128-byte blocks (two cache
// lines, because of the adjacent-line prefetcher): producer-private state,
// the published cursor, consumer-private state, the released cursor, and the
// drop_oldest head. Each side keeps a cached copy of the other side's cursor
// and only reloads it when the cached value says there is no room (producer)
// or nothing to read (consumer), as the LMAX Disruptor does, so in steady
// state a call touches the other side's line at most once per batch.
//
// # drop_oldest
//
// Under DropOldest the poll position is a shared word, head, that the
// consumer (Poll) and the producers (eviction) both advance by
// compare-and-swap, so an event is either polled or evicted, never both.
// Its top bit says whether the consumer holds polled, unreleased slots.
// Slots are reused in position order, so eviction can only make room when
// the oldest slots are unread; while the consumer holds them the producer
// gets fewer slots and drops the newest events instead, and a consumer that
// releases promptly (or in parts) keeps that window short.
//
// # Several producers
//
// A ring made with multiProducer=true lets any number of goroutines produce.
// Claim reserves positions with a compare-and-swap on the claim cursor.
// Publish marks its range done and then commits in position order: one
// producer at a time holds the commit turn (a try-lock), assigns sequence
// numbers and advances the single published cursor over every done range,
// its own and other producers'. A producer that finds the turn taken simply
// returns; the holder re-checks after letting go, so no range is stranded
// and no producer ever waits for another.
//
// This in-order commit with combining was chosen over per-slot
// availability flags (the Disruptor's multi-producer sequencer) because it
// keeps one published cursor, so Poll, Len, Drained and drop_oldest
// eviction are the same code for one or many producers and the consumer
// never scans slots for readiness; it costs one atomic store per published
// range, not per slot; and sequence numbers, which must follow position
// order and count drops, are assigned by the turn holder with no further
// shared counter. A plain in-order commit, where each producer waits for
// the previous range, measured about ten times slower on 2 cores (greenwave
// bench ring, case 2p1c): with more producers than cores a producer often
// waited for one that was not running, and every batch cost a goroutine
// switch.
//
// Wake-ups are not the ring's job: the runtime notifies sleeping consumers
// and producers through package wait.
package ring
