// Package loadgen is an open-loop load generator for HTTP and TCP targets,
// honest about latency.
//
// Open loop: requests are sent on a schedule (constant gaps, or Poisson
// arrivals) fixed before the run, never waiting for a response to send the
// next one. Each request is sent by whichever of a pool of connections is
// free; when none is, it waits for one, and that wait counts.
//
// Coordinated omission: a closed-loop client that waits for each response
// before sending the next sends nothing while the server stalls, so the
// stall shows up as one slow request instead of the hundreds that would
// have arrived meanwhile. loadgen measures each request's latency from its
// intended send time (the schedule), which counts every request that was
// due during a stall, and also from its actual send time (what a
// closed-loop tool reports), into two HDR histograms. The two differ when
// the generator could not keep its schedule, which it reports (late sends,
// the largest lag) and warns about.
//
// Bodies come from a template, a JSON-lines file or a built-in profile,
// with a settable number of events per request; they are built before the
// run (up to MaxBodies distinct ones, used in turn), so building them costs
// the run nothing.
package loadgen
