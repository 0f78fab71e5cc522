// Package sim simulates a producer, a dispatcher and a consumer on a virtual
// time axis, to show how jitter in the dispatcher, not in the producer or the
// consumer, caps throughput and lets the queue grow without bound ("phantom
// jams"). It is greenwave's capacity-planning tool for paced dispatchers and
// the engine behind "greenwave sim".
//
// # Model
//
// The producer emits requests with gaps drawn from its delay process (see
// Delays) at its rate; each request is stamped on arrival and queued at the
// dispatcher, first in, first out.
//
// The dispatcher wakes with gaps drawn from its process around the latency
// goal, or from gaps measured on a real dispatcher (Config.DispatcherGaps,
// drawn at random with replacement), so that a run answers for the machine
// they were measured on. At each wake-up it moves requests from its queue into the consumer,
// oldest first, while the consumer holds fewer than
//
//	limit = floor(goal × factor × consumer rate)
//
// requests. A limit below one request is an error.
//
// The consumer is one first-in, first-out server whose service times are
// drawn from its process at its rate (scaled by ConsumerModel when that is
// not linear). When it is idle, its clock restarts when the next request
// lands in it. At equal times, arrivals and completions come before a
// dispatch.
//
// Latency is completion time minus arrival time; the in-consumer part is
// completion time minus dispatch time. Only requests completed within the
// run count; the ones left in the queue or in the consumer are reported as
// final lengths.
//
// # Stays bounded
//
// Every wake-up samples the dispatcher queue length just before its
// dispatch. The run is cut into four quarters of virtual time; the first is
// warm-up. The queue counts as bounded when
//
//	mean(last quarter) − mean(second quarter) ≤ limit + 0.5% × produced rate × duration/2
//
// that is, when between the middles of those quarters it grew by less than
// one dispatch limit plus 0.5% of the requests produced in between. A queue
// that cannot be drained grows linearly and fails the test as soon as the
// producer outruns the dispatcher by more than about 0.5%; a stable queue
// only fluctuates. Verdicts need a few hundred wake-ups per run to be
// reliable.
//
// The effective dispatch rate (EffectiveRate) is the highest producer rate
// at which the queue stays bounded; ClosedForm gives the analytic estimate
// C · E[min(g, limit/C)] / E[g] for a uniform, linear consumer.
//
// # Cost
//
// Run is a discrete-event loop over int64 nanoseconds with no allocation per
// request: one ring of arrival timestamps serves the queue and the consumer
// (line), latencies go into HDR histogram count arrays with three
// significant digits, and each component draws from its own PCG stream
// seeded by Config.Seed, so a seed reproduces a run exactly. Memory is
// constant apart from the queue itself.
//
// # Cap
//
// The requests a run holds (queued or inside the consumer) are capped by
// Config.QueueCap, by default 2^26, which keeps the line's two rings of
// 8-byte timestamps within 1 GiB. A run that reaches the cap stops there
// and reports it (Result.Capped; never bounded). CheckQueue refuses a run
// beforehand when its parameters show that the queue must pass the cap:
// when the producer's mean rate, less the most the dispatcher and consumer
// can take, over the run, exceeds the cap by more than 10%.
package sim
