// Package connect holds greenwave's built-in connectors: the sources and
// sinks that need no external service, so a pipeline runs embedded in one
// process.
//
// Sources: generate (deterministic synthetic events; the video_sessions
// profile models the video QoE analytics workload, the sequence profile is a
// cheap counter for benchmarks) and file (JSON lines with a declared schema,
// optional event-time replay, reject or dead-letter handling of bad lines).
// Sinks: stdout (JSON or aligned text), file (JSON lines) and blackhole
// (counts and discards).
//
// Every connector is described by one component.Spec (see Specs) whose
// options drive parsing, defaults, validation and the reference docs. New
// reads absent options from the Spec's defaults, so it behaves the same
// whether or not the caller has already defaulted them. Instances are owned
// by one actor and are not safe for concurrent use, except where a method
// says otherwise.
//
// Hot paths work on whole batches and allocate nothing per event in steady
// state: generated strings are interned tables or are created once per
// simulated session, the file source reuses one fastjson parser and interns
// low-cardinality strings, and sinks append into reused byte buffers.
package connect
