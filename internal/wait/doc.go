// Package wait is how greenwave's goroutines wait for work: a Parker that
// lets one goroutine sleep until another wakes it, an Idler that applies a
// wait strategy (park, spin then park, yield, busy spin) to a polling loop,
// and optional CPU pinning.
//
// # Why strategies
//
// Parking a goroutine and waking it again costs microseconds (more when the
// OS thread sleeps too), and at moderate load a worker that parks as soon as
// it is idle pays that cost right when the next event arrives: latency gets
// worse at lower load. Spinning avoids it at the price of CPU. SpinThenPark,
// the default, spins for a short while after the last work and then parks,
// so a busy worker never parks and an idle one costs nothing.
//
// # No lost wake-ups
//
// A goroutine about to sleep calls Prepare, re-checks for work, then calls
// Cancel (work found) or Park. A producer makes work visible and then calls
// Unpark. Prepare and the producer's publication are sequentially
// consistent atomic writes, each followed by a read of the other's, so
// either the sleeper sees the work or the producer sees the sleeper: a
// wake-up cannot fall between the re-check and the sleep. Unpark reads one
// word and writes nothing when nobody is preparing to sleep, so producers on
// the hot path do not bounce the sleeper's cache line.
package wait
