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
// The producer owns the slots in [claimed) until Publish; the consumer owns
// the slots it polled until Release. Nobody else touches a slot in between,
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
// # Several producers
//
// A ring made with multiProducer=true lets any number of goroutines produce.
// Claim reserves positions with a compare-and-swap on the claim cursor;
// Publish commits in position order: a producer waits (spinning, then
// yielding) until every earlier position is published, then assigns sequence
// numbers and advances the single published cursor. In-order commit was
// chosen over per-slot availability flags because it keeps one published
// cursor, so Poll, Len, Drained and drop_oldest eviction are the same code
// for one or many producers, the consumer never scans slots for readiness,
// and sequence numbers are assigned by whoever holds the commit turn with
// no extra shared counter. Its cost is that a producer descheduled between
// Claim and Publish delays the others' Publish (never their Claim); the
// window is a few slot copies long.
//
// Wake-ups are not the ring's job: the runtime notifies sleeping consumers
// and producers through package wait.
package ring
