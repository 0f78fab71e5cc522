// Package ring provides Ring, the bounded buffer on every edge of a
// greenwave DAG: reused slots, batch claim/publish on the producer side,
// batch poll/release on the consumer side, and a per-edge overflow policy
// (block, drop_newest, drop_oldest) with sequence numbers so a consumer sees
// exactly where events were lost. A ring's memory follows need: it can
// start small and grow up to its capacity (Make with Config.Initial).
//
// # Positions and sequence numbers
//
// A position is a slot's index counted from the start of the stream
// (pos & (size-1) picks the slot in the array that holds pos). A sequence
// number is the event's number on the edge: every published event and
// every dropped event consumes one, so under a drop policy the consumer
// sees gaps in Seq while positions stay contiguous.
//
// # Slots
//
// A slot is vals[i] with its sequence number in seqs[i], two parallel
// arrays allocated together. Keeping the numbers beside rather than inside
// T lets a polled batch be handed to operators as a plain []T (Segment)
// with no copy; the producer writes a batch's numbers in one pass at
// Publish.
//
// # Ownership of a slot
//
// The producer owns the slots it claimed until it publishes them; the
// consumer owns the slots it polled until it releases them. Nobody else touches a slot in between,
// so T needs no synchronisation of its own, and slots keep their contents
// between laps so inner slices (event.Event.Fields) are reused instead of
// reallocated.
//
// # Growth
//
// Ten thousand small tenants cannot each hold every edge's full capacity,
// so a ring made with Config.Initial below Config.Capacity allocates
// Initial slots and grows by doubling. The capacity stays the bound: a
// producer may claim up to released+Capacity whatever is allocated, so
// policies, fill and drops do not depend on how much memory the ring has.
// Growth copies nothing. When a claim does not fit in the current array
// (the slot of a position p is free once p-size is released) but fits in
// the capacity, the producer allocates an array at least twice as large,
// runs Config.Init on it, and claims there from position P, its next
// claim position; positions below P stay in the arrays they were written
// to. Each array records P as its start and is linked both ways to the
// one before it; Ring.newest points to the latest. The producer links a
// new array before it publishes any position in it, so the consumer, which
// looks for a next array only after loading the published cursor, cannot
// miss it. The consumer never polls across P and moves to the new array
// when its poll position reaches P; slots it polled before that are still
// read from the old array until released. Once every position of an old
// array is released, the consumer cuts the link to it and the array
// becomes garbage.
//
// Slot, Segment, Seq and Seqs find the array of a position the caller owns by
// starting at the newest array and following the links back while the
// position is below an array's start: no branch on the calling side, no
// call, so they stay small enough to inline. An owned position (claimed
// and unpublished, or polled and unreleased) is never below the released
// cursor, so the walk never reaches a cut link; in steady state the
// newest array holds the position and the walk stops at once. Every ring,
// grown or not, pays that one pointer load per call over reading a single
// fixed array. A consumer that needs every event's sequence number takes
// them per batch with Seqs rather than per event with Seq.
//
// A single producer grows the ring only when every claim it made is
// published, so the arrays of its claimed slots never change under it. On
// a multi-producer ring the claim cursor carries the current array's epoch
// (how many times the ring grew) in its top bits, so a producer's
// compare-and-swap also checks that the array it sized its claim by is
// still current. The producer that grows takes a growth turn, allocates,
// then briefly freezes the cursor (a flag bit that makes others yield)
// while it fixes P and links the array; other producers that need room
// wait for that growth instead of allocating their own.
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
// While the ring can still grow it grows instead of evicting; eviction
// starts when it holds its capacity. Eviction may move the poll position
// past an array boundary, and the consumer then follows to the array that
// holds it.
// Its top bit says whether the consumer holds polled, unreleased slots.
// Slots are reused in position order, so eviction can only make room when
// the oldest slots are unread; while the consumer holds them the producer
// gets fewer slots and drops the newest events instead, and a consumer that
// releases promptly (or in parts) keeps that window short.
//
// # Several producers
//
// A ring made with MultiProducer lets any number of goroutines produce.
// Claim reserves positions with a compare-and-swap on the claim cursor.
// Publish marks its range done and then commits in position order: one
// producer at a time holds the commit turn (a try-lock), assigns sequence
// numbers and advances the single published cursor over every done range,
// its own and other producers'. A producer that finds the turn taken simply
// returns; the holder re-checks after letting go, so no range is stranded
// and no producer ever waits for another to publish (only, at most
// log2(Capacity/Initial) times, for another to grow the ring; see Growth).
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
