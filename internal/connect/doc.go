// Package connect holds greenwave's built-in connectors: the sources and
// sinks that need no external service, so a pipeline runs embedded in one
// process, and those of NATS JetStream, the log several processes share
// (embedded in the process too by default, see NATS).
//
// Sources: generate (deterministic synthetic events; the video_sessions
// profile runs the video QoE workload of internal/videosessions, the
// sequence profile is a cheap counter for benchmarks), nexmark (the Nexmark
// benchmark's generator, internal/nexmark), file (JSON lines with a
// declared schema, optional event-time replay, reject or dead-letter
// handling of bad lines), http (POSTs of JSON lines or arrays, answered
// 202 once queued, or in request_reply mode with the pipeline's row), tcp
// (JSON lines per connection, backpressure instead of drops) and jetstream
// (a durable pull consumer of a partitioned stream, decoded as the file
// source decodes lines).
// Sinks: stdout (JSON or aligned text), file (JSON lines), blackhole
// (counts and discards), reply (answers request_reply requests) and http
// (batches POSTed to an endpoint: an asynchronous sink whose requests go
// out through internal/dispatch, with retries, idempotency keys and dead
// letters; sink_http*.go) and jetstream (batches of JSON lines per
// partition, published asynchronously with message ids).
//
// The network sources bind in Open and serve on goroutines of their own;
// they decode with the file source's decoder (one per goroutine, pooled)
// and hand events to their actor through an inbox (internal/inbox), whole
// requests at a time. Their decode options (schema, required, timestamp,
// on_error) are declared once with the file source's (decode_options.go).
//
// The jetstream components do their network I/O on goroutines of their
// own: the source is a push source (its pull loop queues messages and
// wakes the actor), the sink is a component.Async (a publisher goroutine
// hands messages to the connection, another takes the acknowledgements
// and reports them with Context.Ack). Checkpoints make them exactly once
// across crashes: the source records the stream sequence it reached and
// acknowledges messages once a checkpoint is durable; the sink reads back
// what it published after its checkpoint (sink_jetstream_resume.go).
//
// Every connector is described by one component.Spec (see Specs) whose
// options drive parsing, defaults, validation and the reference docs. New
// reads its options through a component.Reader: absent options take the
// Spec's defaults (no default is restated in code), values are checked
// against the Spec's enums and bounds whoever built them, and every problem
// found is reported at once, at its option, map entry or list element. The
// file sink claims the file it writes (Spec.Claims), so two sinks on one
// path are rejected before anything runs. Instances are owned by one actor
// and are not safe for concurrent use, except where a method says
// otherwise.
//
// Hot paths work on whole batches and allocate nothing per event in steady
// state: generated strings are interned tables or are created once per
// simulated session, the file source reuses one fastjson parser and interns
// low-cardinality strings, and sinks append into reused byte buffers.
package connect
