// Package nexmark generates the events of the Nexmark benchmark: an online
// auction site where people register (Person), put items up for auction
// (Auction) and bid on them (Bid).
//
// It follows the reference generator of the nexmark/nexmark repository
// (nexmark-flink, generator/GeneratorConfig.java, NexmarkGenerator.java and
// model/*Generator.java) rule for rule: the 1:3:46 person:auction:bid
// proportions, ids that start at 1000 and the "last id" arithmetic that lets
// bids and auctions reference people and auctions that exist (or will exist
// within a small lead), hot sellers, auctions and bidders, the log-scale
// price, the string tables, the extra padding that brings each event to an
// average size, event times spaced by the inter-event delay of the first
// event rate with optional out-of-order groups, and auction expiry times.
//
// # Determinism
//
// Event n (0-based) of a generator depends only on the Config and n: each
// event draws from its own pseudo-random stream, seeded from Config.Seed and
// the event's id, as the reference seeds a java.util.Random per event. The
// stream is splitmix64, not java.util.Random, so the values differ from the
// Java generator's while following the same distributions; the same seed
// gives the same events on every platform, in any batch sizes.
//
// # Differences from the reference
//
//   - Pseudo-random numbers come from splitmix64 per event, as said above.
//   - Event ids start at 0 (the reference's Flink source starts at 1 and the
//     Beam one at 0), so event 0 is person 1000 and events 1-3 are auctions
//     1000-1002.
//   - A bid's bidder is FIRST_PERSON_ID plus a person index, added once: the
//     reference adds FIRST_PERSON_ID twice (nexmark/nexmark issue #30), which
//     makes bidders never match a generated person.
//   - The extra padding is copied, per event, from a random offset in the
//     first 64 KiB (more for very large configured sizes) of one fixed
//     1 MiB string of random lowercase letters instead of drawing fresh
//     letters per event; its length follows the reference exactly,
//     and every event owns its bytes, as the reference's do. The
//     reference's letters may also be punctuation (a signed modulo); ours
//     are a-z only.
//   - Channel URLs are drawn once from a fixed seed, so they are the same in
//     every run (the reference draws them from an unseeded Random).
//   - Prices come from a table of powers of ten and a short polynomial
//     rather than Math.pow: the same cent for all but a few prices in a
//     million, several times cheaper.
//   - Event times are unix nanoseconds, at the reference's millisecond
//     resolution: event n is at start + floor(floor(n × 10⁶/event_rate µs) /
//     1000) ms, exactly the reference's timestampForEvent.
//
// # Events in pipelines
//
// The nexmark source (internal/connect) sends each kind to its own side
// output with its own flat schema, so pipelines read <source>.person,
// <source>.auction and <source>.bid:
//
//	person:  id, name, email_address, credit_card, city, state, date_time, extra
//	auction: id, item_name, description, initial_bid, reserve, date_time,
//	         expires, seller, category, extra
//	bid:     auction, bidder, price, channel, url, date_time, extra
//
// Every standard query reads one or two of these typed streams: q0-q2, q5,
// q7, q10-q19, q21 and q22 read bids (q13 joined with a side table); q3 and
// q8 read people and auctions; q4, q6, q9 and q20 read auctions and bids. Typed streams keep
// each event narrow (7 to 10 slots, as the queries' own tables are) and
// need no filter on a type field; the reference's single table with a
// nested row per kind would make every event carry all 25 fields, through
// every ring, in every query. The main output exists for the rare pipeline
// that wants one stream in generation order: with combined: true it
// carries every event as one nexmark_event row (event_type, then every
// field prefixed by its kind, the other kinds' fields null); otherwise it
// stays empty and costs nothing.
//
// # Allocation
//
// A Generator allocates only chunks. Names, cities, states, channels and
// URLs come from immutable tables built once per process. The random
// strings of people and auctions (email, credit card, item name,
// description) are written into 4 KiB chunks, and every event's extra
// padding is copied into 32 KiB chunks, that strings point into: a chunk is
// allocated about once per 500 bids; a string kept by a consumer keeps its
// chunk alive.
//
// # Concurrency
//
// A Generator is not safe for concurrent use; give each goroutine its own.
// The shared tables are read-only after they are built and safe to read from
// any number of goroutines.
package nexmark
