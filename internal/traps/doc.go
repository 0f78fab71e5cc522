// Package traps holds pipelines that fall into the traps of the seed
// articles on purpose — a consumer that cannot keep up, too many threads on
// shared cores, a latency inversion, contended shared state, a paced
// dispatcher below its effective rate — and a healthy one, with the few
// components they need that greenwave itself would never ship (a
// transform that burns CPU per event, one that takes a process-wide lock
// per event, one that releases what it queued a fixed number per tick).
// `greenwave bench trap` runs them with doctor watching, and doctor's
// tests check that it names each one and nothing in the healthy one.
package traps
